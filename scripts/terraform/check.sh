#!/usr/bin/env bash
# npm run test:terraform: terraform fmt, init, validate and test (terraform/tests/: plans with
# the real AWS provider and fake credentials) on terraform/ as it is. Offline: the provider
# comes from a local filesystem mirror (TF_PLUGIN_MIRROR, or the first folder found holding
# registry.terraform.io/hashicorp/aws). Skipped, with the reason, only where there is no
# terraform binary or no mirror and no registry. Each step prints its time.
set -euo pipefail
cd "$(dirname "$0")/../../terraform"
say() { echo "terraform: $*"; }
command -v terraform >/dev/null || { say "SKIPPED: no terraform binary on PATH"; exit 0; }

work=$(mktemp -d)
lock_existed=$([ -e .terraform.lock.hcl ] && echo 1 || true)
cleanup() {
  rm -rf "$work"
  # The lock file init writes is the user's to keep, not CI's (versions.tf says why).
  [ -n "$lock_existed" ] || rm -f .terraform.lock.hcl
}
trap cleanup EXIT
export TF_DATA_DIR=$work/data TF_IN_AUTOMATION=1 TF_INPUT=0 CHECKPOINT_DISABLE=1

mirror=${TF_PLUGIN_MIRROR:-}
if [ -z "$mirror" ]; then
  for dir in /opt/tf-plugins "$HOME/.terraform.d/plugins" "$HOME/.local/share/terraform/plugins" /usr/local/share/terraform/plugins /usr/share/terraform/plugins; do
    [ -d "$dir/registry.terraform.io/hashicorp/aws" ] && { mirror=$dir; break; }
  done
fi
if [ -z "$mirror" ]; then
  found=$(find / -xdev -path '*registry.terraform.io/hashicorp/aws/*' -name 'terraform-provider-aws*' -print -quit 2>/dev/null || true)
  [ -n "$found" ] && mirror=${found%%/registry.terraform.io/*}
fi
if [ -n "$mirror" ]; then
  cat >"$work/cli.tfrc" <<TFRC
provider_installation {
  filesystem_mirror {
    path    = "$mirror"
    include = ["registry.terraform.io/hashicorp/*"]
  }
  direct {
    exclude = ["registry.terraform.io/hashicorp/*"]
  }
}
TFRC
  export TF_CLI_CONFIG_FILE=$work/cli.tfrc
  say "$(terraform version | head -1), providers from $mirror"
elif curl -fsS -m 5 -o /dev/null https://registry.terraform.io/.well-known/terraform.json 2>/dev/null; then
  say "$(terraform version | head -1), providers from the registry"
else
  say "SKIPPED: no provider mirror (set TF_PLUGIN_MIRROR) and the registry is out of reach"
  exit 0
fi

timed() {
  local name=$1 t0; shift
  t0=$(date +%s%N)
  "$@"
  printf 'terraform: %-20s %6.1f s\n' "$name" "$(( ($(date +%s%N) - t0) / 1000000 ))e-3"
}
timed "fmt -check" terraform fmt -check -recursive -diff
init_quietly() { terraform init -backend=false -no-color >"$work/init.log" || { cat "$work/init.log"; return 1; }; }
timed "init" init_quietly
timed "validate" terraform validate -no-color
timed "test" terraform test -no-color
