#!/usr/bin/env bash
# A throw-away test PKI made with the openssl CLI, for tests/sign.rs and bench/sign.sh:
#   root.pem / root.key          self-signed root CA (RSA-2048)
#   signer.pem / signer.key      signer cert (keyUsage digitalSignature,nonRepudiation), valid now
#   signer.p12                   PKCS#12 of signer key + cert + root, password $PKI_PASSWORD
#   signer-enc.key               the signer key as encrypted PKCS#8 PEM, same password
#   expired.pem / expired.key    a signer cert whose validity ended in the past
#   expired.p12                  PKCS#12 of it, same password
#   other.key                    an RSA key that matches no certificate
#   tsa.pem / tsa.key            TSA cert (extendedKeyUsage critical timeStamping), signed by root
#   inter.pem / inter.key        an intermediate CA (CA:TRUE, pathlen 0), signed by root
#   signer-inter.pem / .key      a signer cert issued by the intermediate
#   other-root.pem / .key        a second self-signed root that issued nothing here
# Usage: pki.sh DIR   (password from PKI_PASSWORD, default "rahasia-uji-123")
set -euo pipefail
dir=${1:?usage: pki.sh DIR}
pass=${PKI_PASSWORD:-rahasia-uji-123}
mkdir -p "$dir"
cd "$dir"
export PKI_PASSWORD="$pass"

key() { openssl genpkey -quiet -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1" 2>/dev/null || openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1" 2>/dev/null; }

cat > ext.cnf <<'CNF'
[root]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always

[signer]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,nonRepudiation
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid,issuer

[inter]
basicConstraints = critical,CA:TRUE,pathlen:0
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always

[tsa]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,nonRepudiation
extendedKeyUsage = critical,timeStamping
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid,issuer
CNF

# Root CA.
key root.key
openssl req -new -x509 -key root.key -out root.pem -days 3650 -sha256 \
  -subj "/C=ID/O=Renja Uji/CN=Renja Uji Root CA" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"

# Issues cert $1 for key $1.key with subject $2 and extension section $3, valid $4 .. $5
# (openssl ca style dates YYYYMMDDHHMMSSZ; empty = now .. +days 825).
issue() {
  local name=$1 subj=$2 section=$3 start=${4:-} end=${5:-}
  openssl req -new -key "$name.key" -subj "$subj" -out "$name.csr"
  if [ -n "$start" ]; then
    # `openssl x509 -req` cannot back-date; a minimal `openssl ca` can.
    mkdir -p ca-db && : > ca-db/index.txt && [ -f ca-db/serial ] || echo 1000 > ca-db/serial
    cat > ca.cnf <<CNF
[ca]
default_ca = c
[c]
database = ca-db/index.txt
serial = ca-db/serial
new_certs_dir = ca-db
certificate = root.pem
private_key = root.key
default_md = sha256
policy = p
unique_subject = no
[p]
countryName = optional
organizationName = optional
commonName = supplied
CNF
    cat ext.cnf >> ca.cnf
    openssl ca -batch -config ca.cnf -extensions "$section" -startdate "$start" -enddate "$end" \
      -in "$name.csr" -out "$name.pem" -notext 2>/dev/null
  else
    openssl x509 -req -in "$name.csr" -CA root.pem -CAkey root.key -CAcreateserial -days 825 -sha256 \
      -extfile ext.cnf -extensions "$section" -out "$name.pem" 2>/dev/null
  fi
  rm -f "$name.csr"
}

key signer.key
issue signer "/C=ID/O=Pemerintah Kabupaten Paser/CN=Penandatangan Uji" signer

key expired.key
issue expired "/C=ID/O=Pemerintah Kabupaten Paser/CN=Penandatangan Kedaluwarsa" signer 20200101000000Z 20210101000000Z

key tsa.key
issue tsa "/C=ID/O=Renja Uji/CN=Renja Uji TSA" tsa

key other.key

# An intermediate CA and a signer under it (the chain root → inter → signer-inter).
key inter.key
issue inter "/C=ID/O=Renja Uji/CN=Renja Uji CA Antara" inter
key signer-inter.key
openssl req -new -key signer-inter.key -subj "/C=ID/O=Pemerintah Kabupaten Paser/CN=Penandatangan Antara" -out signer-inter.csr
openssl x509 -req -in signer-inter.csr -CA inter.pem -CAkey inter.key -CAcreateserial -days 825 -sha256 \
  -extfile ext.cnf -extensions signer -out signer-inter.pem 2>/dev/null
rm -f signer-inter.csr

# A root that issued nothing here (trusting only it must fail).
key other-root.key
openssl req -new -x509 -key other-root.key -out other-root.pem -days 3650 -sha256 \
  -subj "/C=ID/O=Lain/CN=Akar Lain" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"

openssl pkcs12 -export -inkey signer.key -in signer.pem -certfile root.pem -name signer \
  -passout env:PKI_PASSWORD -out signer.p12
openssl pkcs12 -export -inkey expired.key -in expired.pem -certfile root.pem -name expired \
  -passout env:PKI_PASSWORD -out expired.p12
openssl pkcs8 -topk8 -in signer.key -v2 aes-256-cbc -passout env:PKI_PASSWORD -out signer-enc.key

# openssl ts -reply configuration for tests/support/tsa.py.
cat > tsa.cnf <<CNF
[tsa]
default_tsa = t
[t]
dir = .
serial = $PWD/tsa-serial
crypto_device = builtin
signer_cert = $PWD/tsa.pem
certs = $PWD/root.pem
signer_key = $PWD/tsa.key
signer_digest = sha256
default_policy = 1.2.3.4.1
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = yes
tsa_name = no
ess_cert_id_chain = no
ess_cert_id_alg = sha256
CNF
echo 01 > tsa-serial
for c in root signer expired tsa inter signer-inter other-root; do openssl x509 -in $c.pem -noout >/dev/null; done
echo "$dir"
