#!/usr/bin/env bash
# make demo: start the lab, harden both servers with examples/hardening,
# change a value behind Terraform's back through the lab's admin API, and
# show `terraform plan -detailed-exitcode` catching it. Needs Go and
# Terraform only; everything runs on 127.0.0.1 and stops at the end.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work="$root/.demo"
rm -rf "$work"
mkdir -p "$work/bin"

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "building the provider and the lab"
(cd "$root" && go build -o "$work/bin/terraform-provider-winfs" . && go build -o "$work/bin/winfs-lab" ./tools/winfs-lab)

# Use the freshly built provider without a registry (dev_overrides).
cat > "$work/terraformrc" <<RC
provider_installation {
  dev_overrides {
    "winfs/winfs" = "$work/bin"
  }
  direct {}
}
RC
export TF_CLI_CONFIG_FILE="$work/terraformrc" TF_IN_AUTOMATION=1 TF_INPUT=0

say "starting the lab (two Windows hosts over WinRM, realistic latency)"
"$work/bin/winfs-lab" serve --ready-file "$work/lab.json" --latency realistic 2>"$work/lab.log" &
lab_pid=$!
trap 'kill $lab_pid 2>/dev/null; wait $lab_pid 2>/dev/null || true' EXIT
for _ in $(seq 100); do [[ -s "$work/lab.json" ]] && break; sleep 0.1; done
[[ -s "$work/lab.json" ]] || { cat "$work/lab.log"; echo "the lab did not start"; exit 1; }
cat "$work/lab.log"
lab() { "$work/bin/winfs-lab" admin --ready-file "$work/lab.json" "$@"; echo; }
cache_timeout() {
  lab POST "/v1/servers/$1/agent" '{"op":"registry.get","params":{"hive":"HKLM","key":"SYSTEM\\CurrentControlSet\\Services\\NetBT\\Parameters","name":"CacheTimeout"}}'
}

cp -r "$root/examples/hardening" "$work/hardening"
"$work/bin/winfs-lab" tfvars --ready-file "$work/lab.json" > "$work/hardening/lab.auto.tfvars.json"
cd "$work/hardening"

say "server2's NetBT CacheTimeout before: the Windows default"
cache_timeout server2

say "terraform apply: hardening on both servers"
terraform apply -auto-approve -no-color | grep -E '^(winfs_|Apply|Plan)' || true

say "terraform plan -detailed-exitcode right after: nothing to do"
set +e; terraform plan -detailed-exitcode -no-color >"$work/plan1.txt" 2>&1; rc=$?; set -e
echo "exit code $rc (0 = no changes)"
[[ $rc == 0 ]] || { cat "$work/plan1.txt"; echo "expected an empty plan"; exit 1; }

say "an administrator sets CacheTimeout back to 600000 on server2, by hand"
lab POST /v1/servers/server2/agent '{"op":"registry.set","params":{"hive":"HKLM","key":"SYSTEM\\CurrentControlSet\\Services\\NetBT\\Parameters","name":"CacheTimeout","value":{"type":"REG_DWORD","data":"600000"},"create_key":false}}'

say "terraform plan -detailed-exitcode: the drift is caught"
set +e; terraform plan -detailed-exitcode -no-color >"$work/plan2.txt" 2>&1; rc=$?; set -e
grep -E '^\s+[~+-]|will be|Plan:' "$work/plan2.txt" || true
echo "exit code $rc (2 = changes: drift)"
[[ $rc == 2 ]] || { cat "$work/plan2.txt"; echo "expected the drift to be caught"; exit 1; }

say "terraform apply puts it right"
terraform apply -auto-approve -no-color | grep -E '^(winfs_|Apply)' || true
cache_timeout server2

say "terraform destroy: restore_on_destroy puts the Windows defaults back"
terraform destroy -auto-approve -no-color | grep -E '^(Destroy)' || true
cache_timeout server2

say "the lab's timeline (every state change, in order)"
"$work/bin/winfs-lab" events --ready-file "$work/lab.json"
say "what the provider cost each server (one PowerShell agent per server and terraform command)"
lab GET /v1/stats
say "invariants"
lab GET /v1/invariants
echo "demo finished"
