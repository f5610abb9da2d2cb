# A stand-in for the official postgres image where Docker Hub is out of reach: Debian's
# postgresql package on the debootstrapped Debian, with an entry point that honours the same
# POSTGRES_USER / POSTGRES_PASSWORD / POSTGRES_DB and data folder as the official one.
ARG DEBIAN_IMAGE
FROM ${DEBIAN_IMAGE}
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql \
 && rm -rf /var/lib/apt/lists/* \
 && ln -s /usr/lib/postgresql/*/bin /usr/local/lib/postgresql-bin
ENV PATH=/usr/local/lib/postgresql-bin:$PATH \
    PGDATA=/var/lib/postgresql/data
COPY stand-in-postgres-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
EXPOSE 5432
STOPSIGNAL SIGINT
ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]
