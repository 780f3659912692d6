#!/bin/sh
# deploy/internal-tls.sh DIR — a private CA, the server certificates the
# Compose deployment's PostgreSQL and Redis serve TLS with, and the client
# certificates SAMO authenticates to them with (no password), written to
# DIR (deploy/secrets): internal_ca.pem (SAMO trusts it through
# BACKEND_CA_FILE; PostgreSQL and Redis accept client certificates it
# signed), postgres_tls.pem/.key and redis_tls.pem/.key for the names
# postgres and redis (server use only), samo_client.pem/.key (client use
# only, CN = the PostgreSQL role the replicas log in as, $SAMO_PG_ROLE,
# default samo: rows only) and samo_owner.pem/.key (client use only, CN =
# the role that owns the schema and migrates it, $SAMO_PG_OWNER_ROLE,
# default samo_owner; only the migrate service holds it). Certificates
# are 0644, keys 0600; the client keys are given to the uid the samo
# containers run as ($SAMO_UID, default 65532) when the script runs as
# root, and otherwise the script prints the chown to run. The CA's key
# (internal_ca.key) stays in DIR to sign again, and never goes into a
# container. Certificates last 825 days: run it again (and restart the
# stack) before then. Needs openssl.
set -eu
dir=${1:?usage: deploy/internal-tls.sh DIR}
days=825
role=${SAMO_PG_ROLE:-samo}
owner=${SAMO_PG_OWNER_ROLE:-samo_owner}
samo_uid=${SAMO_UID:-65532}
mkdir -p "$dir"
cd "$dir"
umask 077
key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

key internal_ca.key
openssl req -x509 -new -key internal_ca.key -days "$days" -subj "/CN=SAMO internal CA" \
  -addext "basicConstraints=critical,CA:TRUE,pathlen:0" -addext "keyUsage=critical,keyCertSign,cRLSign" \
  -out internal_ca.pem
for host in postgres redis; do
  key "${host}_tls.key"
  printf 'subjectAltName=DNS:%s\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n' "$host" > "$host.ext"
  openssl req -new -key "${host}_tls.key" -subj "/CN=$host" -out "$host.csr"
  openssl x509 -req -in "$host.csr" -CA internal_ca.pem -CAkey internal_ca.key -set_serial "0x$(openssl rand -hex 16)" \
    -days "$days" -extfile "$host.ext" -out "${host}_tls.pem" 2>/dev/null
  rm -f "$host.csr" "$host.ext"
done
# SAMO's client certificates: PostgreSQL's cert method takes the CN as the
# role; Redis (tls-auth-clients yes) takes any certificate the CA signed.
client() { # NAME CN
  key "$1.key"
  printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n' > "$1.ext"
  openssl req -new -key "$1.key" -subj "/CN=$2" -out "$1.csr"
  openssl x509 -req -in "$1.csr" -CA internal_ca.pem -CAkey internal_ca.key -set_serial "0x$(openssl rand -hex 16)" \
    -days "$days" -extfile "$1.ext" -out "$1.pem" 2>/dev/null
  rm -f "$1.csr" "$1.ext"
}
client samo_client "$role"
client samo_owner "$owner"
chmod 0644 internal_ca.pem postgres_tls.pem redis_tls.pem samo_client.pem samo_owner.pem
echo "internal-tls: wrote internal_ca.pem, postgres_tls.pem/.key, redis_tls.pem/.key, samo_client.pem/.key (CN=$role), samo_owner.pem/.key (CN=$owner) to $dir (valid $days days)"
# The samo containers (uid $samo_uid: the replicas, bootstrap and migrate)
# read the client keys through a bind mount, which keeps the host's owner
# and mode: they must be theirs.
if [ "$(id -u)" = 0 ]; then
  chown "$samo_uid:$samo_uid" samo_client.key samo_owner.key
else
  echo "internal-tls: now run: sudo chown $samo_uid:$samo_uid $dir/samo_client.key $dir/samo_owner.key"
fi
