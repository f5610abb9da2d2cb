# A stand-in for the official node:24-trixie-slim image where Docker Hub is out of reach: the
# Debian that debootstrap made (imported as DEBIAN_IMAGE), Node and npm from the npm registry's
# packages, and the official image's user `node` (uid 1000). test.sh prepares the context.
ARG DEBIAN_IMAGE
FROM ${DEBIAN_IMAGE}
COPY node/bin/node /usr/local/bin/node
COPY npm /usr/local/lib/node_modules/npm
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \
 && groupadd --gid 1000 node \
 && useradd --uid 1000 --gid node --shell /bin/bash --create-home node \
 && node --version && npm --version
# Stand-in only: this machine's registry access re-signs TLS with its own CA, which npm inside
# a build must trust. The project's Dockerfile adds no such thing.
COPY host-ca-certificates.crt /usr/local/share/stand-in-host-ca.crt
ENV NODE_EXTRA_CA_CERTS=/usr/local/share/stand-in-host-ca.crt
CMD ["node"]
