#!/bin/sh
# deploy/internal-tls.sh DIR — a private CA, the server certificates the
# Compose deployment's PostgreSQL and Redis serve TLS with, and the client
# certificate SAMO authenticates to both with (no password), written to DIR
# (deploy/secrets): internal_ca.pem (SAMO trusts it through
# BACKEND_CA_FILE; PostgreSQL and Redis accept client certificates it
# signed), postgres_tls.pem/.key and redis_tls.pem/.key for the names
# postgres and redis (server use only), and samo_client.pem/.key (client
# use only, CN = the PostgreSQL role samo logs in as, $SAMO_PG_ROLE,
# default samo). Certificates are 0644, keys 0600; samo_client.key is given
# to the uid the samo containers run as ($SAMO_UID, default 65532) when
# the script runs as root, and otherwise the script prints the chown to
# run. The CA's key (internal_ca.key) stays in DIR to sign again, and
# never goes into a container. Certificates last 825 days: run it again
# (and restart the stack) before then. Needs openssl.
set -eu
dir=${1:?usage: deploy/internal-tls.sh DIR}
days=825
role=${SAMO_PG_ROLE:-samo}
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
# SAMO's client certificate: PostgreSQL's cert method takes the CN as the
# role; Redis (tls-auth-clients yes) takes any certificate the CA signed.
key samo_client.key
printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n' > samo_client.ext
openssl req -new -key samo_client.key -subj "/CN=$role" -out samo_client.csr
openssl x509 -req -in samo_client.csr -CA internal_ca.pem -CAkey internal_ca.key -set_serial "0x$(openssl rand -hex 16)" \
  -days "$days" -extfile samo_client.ext -out samo_client.pem 2>/dev/null
rm -f samo_client.csr samo_client.ext
chmod 0644 internal_ca.pem postgres_tls.pem redis_tls.pem samo_client.pem
echo "internal-tls: wrote internal_ca.pem, postgres_tls.pem/.key, redis_tls.pem/.key, samo_client.pem/.key (CN=$role) to $dir (valid $days days)"
# The samo containers (uid $samo_uid) read samo_client.key through a bind
# mount, which keeps the host's owner and mode: it must be theirs.
if [ "$(id -u)" = 0 ]; then
  chown "$samo_uid:$samo_uid" samo_client.key
else
  echo "internal-tls: now run: sudo chown $samo_uid:$samo_uid $dir/samo_client.key"
fi
