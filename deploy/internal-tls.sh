#!/bin/sh
# deploy/internal-tls.sh DIR — a private CA and the server certificates the
# Compose deployment's PostgreSQL and Redis serve TLS with, written to DIR
# (deploy/secrets): internal_ca.pem (SAMO trusts it: sslrootcert= in
# database_url, BACKEND_CA_FILE for Redis), postgres_tls.pem/.key and
# redis_tls.pem/.key for the names postgres and redis. Certificates are
# 0644, keys 0600; the CA's key (internal_ca.key) stays in DIR to sign
# again, and never goes into a container. Certificates last 825 days: run
# it again (and restart the stack) before then. Needs openssl.
set -eu
dir=${1:?usage: deploy/internal-tls.sh DIR}
days=825
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
chmod 0644 internal_ca.pem postgres_tls.pem redis_tls.pem
echo "internal-tls: wrote internal_ca.pem, postgres_tls.pem/.key, redis_tls.pem/.key to $dir (valid $days days)"
