#!/usr/bin/env bash
# Test certificates, made with openssl at test time (never checked in).
#
#   make_test_certs.sh DIR                 the standard set below
#   make_test_certs.sh DIR client NAME     one more client cert, CN=NAME, from ca
#
# Standard set in DIR (EC P-256 keys, FILE.crt + FILE.key):
#   ca                 the test CA (ca.crt is the bundle servers and clients trust)
#   server             CN=scout-collector, SAN localhost, 127.0.0.1, ::1, scout-collector
#   server-wrong-san   from ca, SAN wrong.example only
#   client-node-1      CN=node-1 from ca (also client-node-2, client-reader, client-operator)
#   client-other-ca    CN=node-1 from another CA (other-ca.crt)
#   client-self-signed CN=node-1, self-signed
#   client-expired     CN=node-1 from ca, valid 2020-01-01 .. 2020-01-02
#   ca2, server-ca2    a second CA and a server cert from it (rotation tests)
set -euo pipefail
DIR=$1
mkdir -p "$DIR"
cd "$DIR"

key() { openssl ecparam -name prime256v1 -genkey -noout -out "$1.key" 2>/dev/null; }

make_ca() {  # make_ca NAME CN
  key "$1"
  openssl req -x509 -new -key "$1.key" -subj "/CN=$2" -days 3650 -sha256 -out "$1.crt" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    2>/dev/null
}

# sign NAME CA CN EXT_FILE: NAME.crt from CA for NAME.key.
sign() {
  key "$1"
  openssl req -new -key "$1.key" -subj "/CN=$3" -out "$1.csr" 2>/dev/null
  openssl x509 -req -in "$1.csr" -CA "$2.crt" -CAkey "$2.key" -CAcreateserial -days 825 -sha256 \
    -extfile "$4" -out "$1.crt" 2>/dev/null
  rm -f "$1.csr"
}

server_ext() {  # server_ext SAN
  printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=%s\n' "$1" >server.ext
}
client_ext() {
  printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n' >client.ext
}

if [ "${2:-}" = client ]; then
  client_ext
  sign "client-$3" ca "$3" client.ext
  exit 0
fi

make_ca ca "Scout Test CA"
make_ca other-ca "Other Test CA"
make_ca ca2 "Scout Test CA 2"
server_ext "DNS:localhost,IP:127.0.0.1,IP:::1,DNS:scout-collector"
sign server ca scout-collector server.ext
sign server-ca2 ca2 scout-collector server.ext
server_ext "DNS:wrong.example"
sign server-wrong-san ca scout-collector server.ext
client_ext
for name in node-1 node-2 reader operator; do sign "client-$name" ca "$name" client.ext; done
sign client-other-ca other-ca node-1 client.ext

key client-self-signed
openssl req -x509 -new -key client-self-signed.key -subj "/CN=node-1" -days 30 -sha256 \
  -addext "extendedKeyUsage=clientAuth" -out client-self-signed.crt 2>/dev/null

# An expired certificate needs explicit dates: `openssl ca` takes them.
key client-expired
openssl req -new -key client-expired.key -subj "/CN=node-1" -out client-expired.csr 2>/dev/null
mkdir -p ca-db && : >ca-db/index.txt && echo 1000 >ca-db/serial
cat >ca-db/ca.cnf <<CNF
[ca]
default_ca = test
[test]
database = ca-db/index.txt
serial = ca-db/serial
new_certs_dir = ca-db
default_md = sha256
policy = any
copy_extensions = none
[any]
commonName = supplied
[client]
basicConstraints = CA:FALSE
extendedKeyUsage = clientAuth
CNF
openssl ca -batch -config ca-db/ca.cnf -cert ca.crt -keyfile ca.key -in client-expired.csr \
  -startdate 20200101000000Z -enddate 20200102000000Z -extensions client -notext \
  -out client-expired.crt 2>/dev/null
rm -rf ca-db client-expired.csr ./*.ext ./*.srl
chmod 600 ./*.key
