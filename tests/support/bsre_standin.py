#!/usr/bin/env python3
"""A local stand-in for BSrE's Esign Client Service, for tests/bsre.rs. It implements the endpoints
renja uses as the public documentation and public clients describe them, and really signs with
pyHanko and the test PKI of tests/support/pki.sh (signer.key / signer.pem, chain root.pem):

  POST /api/v2/sign/pdf     JSON {nik, passphrase|totp, signatureProperties[...], file[base64]}
                            -> 200 {"file": [base64 of the signed PDF], "time": ms}
  POST /api/sign/pdf        multipart file, nik, passphrase, tampilan, image, imageTTD, page, xAxis,
                            yAxis, width, height, reason, location -> 200 application/pdf
  POST /api/v2/verify/pdf   JSON {file} -> {conclusion, description, signatureInformations[...]}
  POST /api/sign/verify     multipart signed_file -> {summary, notes, jumlah_signature, details[...]}

Errors: HTTP 401 for wrong client Basic credentials; HTTP 400 {"error", "status_code"} with 2011
(NIK not registered) and 2031 (wrong passphrase/TOTP) as public clients map them; for a signer
whose certificate expired or was revoked, HTTP 400 {"error": "..."} (the public sources give no
status code for these, so only the words say it).

Usage: bsre_standin.py PKI_DIR STATE_DIR
  STATE_DIR/config.json  {"user", "password", "passphrase", "totp", "nik": {NIK: "ok"|"expired"|"revoked"}}
  STATE_DIR/mode         how to behave, read at each request (absent: "ok"):
      ok            sign as asked
      v1-only       the v2 endpoints answer 404 (an older service)
      down          HTTP 503 with an HTML page
      hang          never answer (sleeps)
      flip-prefix   change one byte of the sent PDF, then sign (the signature is valid)
      flip-update   sign, then change one byte inside the signed update (outside /Contents)
      extra-page    append a page in the same update as the signature
      partial-cover sign, then append an unsigned incremental update
      wrong-place   put the visible signature 100 pt above where it was asked
      garbage       answer with base64 of something that is not a PDF
Each request is appended to STATE_DIR/requests.jsonl (base64 payloads replaced by their length
and SHA-256, and saved as STATE_DIR/req-N-*.bin). Binds 127.0.0.1 on a free port and prints
"PORT <n>" once listening.
"""
import base64
import email.parser
import email.policy
import hashlib
import http.server
import io
import json
import os
import sys
import threading
import time

from PIL import Image
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.images import PdfImage
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.stamp import StaticStampStyle
from pyhanko_certvalidator import ValidationContext
from asn1crypto import pem, x509

PKI = os.path.abspath(sys.argv[1])
STATE = os.path.abspath(sys.argv[2])
LOCK = threading.Lock()
COUNTER = [0]


def config():
    with open(os.path.join(STATE, "config.json")) as f:
        return json.load(f)


def mode():
    try:
        with open(os.path.join(STATE, "mode")) as f:
            return f.read().strip() or "ok"
    except FileNotFoundError:
        return "ok"


def digest(b):
    return {"len": len(b), "sha256": hashlib.sha256(b).hexdigest()}


def record(entry, blobs):
    with LOCK:
        COUNTER[0] += 1
        n = COUNTER[0]
        for name, data in blobs.items():
            with open(os.path.join(STATE, f"req-{n}-{name}.bin"), "wb") as f:
                f.write(data)
        entry["n"] = n
        with open(os.path.join(STATE, "requests.jsonl"), "a") as f:
            f.write(json.dumps(entry) + "\n")


def root_cert():
    with open(os.path.join(PKI, "root.pem"), "rb") as f:
        data = f.read()
    _, _, der = pem.unarmor(data)
    return x509.Certificate.load(der)


def sign(pdf, page, x, y, w, h, image_png, reason, location, how):
    if how == "flip-prefix":
        # One letter of the document's title (harmless to parsing), else a byte of a stream.
        at = pdf.find(b"/Title(")
        at = at + 7 if at >= 0 else pdf.find(b"stream\n") + 8
        pdf = bytearray(pdf)
        pdf[at] ^= 0x20
        pdf = bytes(pdf)
    if how == "wrong-place":
        y += 100
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    if how == "extra-page":
        new_page = generic.DictionaryObject({
            generic.NameObject("/Type"): generic.NameObject("/Page"),
            generic.NameObject("/MediaBox"): generic.ArrayObject([generic.NumberObject(v) for v in (0, 0, 595, 842)]),
            generic.NameObject("/Resources"): generic.DictionaryObject(),
        })
        writer.insert_page(new_page)
    signer = signers.SimpleSigner.load(
        os.path.join(PKI, "signer.key"), os.path.join(PKI, "signer.pem"),
        ca_chain_files=(os.path.join(PKI, "root.pem"),))
    style = StaticStampStyle(border_width=0, background=PdfImage(Image.open(io.BytesIO(image_png))), background_opacity=1.0)
    name = "BSrE-TTE"
    spec = fields.SigFieldSpec(name, on_page=page - 1, box=(x, y, x + w, y + h))
    meta = signers.PdfSignatureMetadata(
        field_name=name, reason=reason, location=location, md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES)
    out = signers.PdfSigner(meta, signer, stamp_style=style, new_field_spec=spec).sign_pdf(writer)
    data = out.getvalue()
    if how == "flip-update":
        tail = data.index(b"/ByteRange", len(pdf))
        # A byte of the signature dictionary, before /ByteRange: inside the signed range.
        key = data.rfind(b"/Type", len(pdf), tail)
        at = key + 2 if key > 0 else len(pdf) + 10
        data = bytearray(data)
        data[at] ^= 0x20
        data = bytes(data)
    if how == "partial-cover":
        w2 = IncrementalPdfFileWriter(io.BytesIO(data))
        w2.root[generic.NameObject("/PageMode")] = generic.NameObject("/UseOutlines")
        w2.update_root()
        buf = io.BytesIO()
        w2.write(buf)
        data = buf.getvalue()
    return data


def verify(pdf):
    r = PdfFileReader(io.BytesIO(pdf))
    vc = ValidationContext(trust_roots=[root_cert()], allow_fetching=False, revocation_mode="soft-fail")
    infos = []
    all_ok = bool(r.embedded_signatures)
    for s in r.embedded_signatures:
        st = validate_pdf_signature(s, vc)
        integrity = bool(st.intact and st.valid)
        whole = st.coverage.name == "ENTIRE_FILE"
        trusted = bool(st.trusted)
        infos.append({
            "signerName": st.signing_cert.subject.native.get("common_name"),
            "fieldName": s.field_name,
            "integrityValid": integrity,
            "certificateTrusted": trusted,
            "modified": not whole,
        })
        all_ok = all_ok and integrity and trusted
    if r.embedded_signatures and infos[-1]["modified"]:
        all_ok = False
    return all_ok, infos


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def send(self, status, body, ctype="application/json"):
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass

    def do_POST(self):
        try:
            self.handle_post()
        except Exception as e:  # a failing service answers 500, as a real one would
            import traceback
            traceback.print_exc()
            self.send(500, {"error": f"Internal Server Error: {type(e).__name__}"})

    def handle_post(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n)
        how = mode()
        cfg = config()
        ctype = self.headers.get("Content-Type", "")
        entry = {"path": self.path, "method": "POST", "authorization": self.headers.get("Authorization"),
                 "content_type": ctype, "mode": how}
        blobs = {}
        fields_in = {}
        if ctype.startswith("application/json"):
            try:
                body = json.loads(raw)
            except ValueError:
                body = None
            shown = json.loads(json.dumps(body)) if body is not None else None
            if isinstance(shown, dict):
                if isinstance(shown.get("file"), list):
                    files = [base64.b64decode(f) for f in shown["file"]]
                    for i, f in enumerate(files):
                        blobs[f"file{i}"] = f
                    shown["file"] = [digest(f) for f in files]
                elif isinstance(shown.get("file"), str):
                    f = base64.b64decode(shown["file"])
                    blobs["file0"] = f
                    shown["file"] = digest(f)
                for i, p in enumerate(shown.get("signatureProperties") or []):
                    if isinstance(p, dict) and "imageBase64" in p:
                        img = base64.b64decode(p["imageBase64"])
                        blobs[f"image{i}"] = img
                        p["imageBase64"] = digest(img)
            entry["json"] = shown
            entry["json_keys"] = list(body.keys()) if isinstance(body, dict) else None
            fields_in = body if isinstance(body, dict) else {}
        elif ctype.startswith("multipart/form-data"):
            msg = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
                b"Content-Type: " + ctype.encode() + b"\r\n\r\n" + raw)
            form = []
            for part in msg.iter_parts():
                name = part.get_param("name", header="content-disposition")
                data = part.get_payload(decode=True) or b""
                if part.get_filename():
                    blobs[name] = data
                    form.append({"name": name, "filename": part.get_filename(),
                                 "content_type": part.get_content_type(), **digest(data)})
                    fields_in[name] = data
                else:
                    value = data.decode("utf-8")
                    form.append({"name": name, "value": value})
                    fields_in[name] = value
            entry["form"] = form
        record(entry, blobs)

        if how == "hang":
            time.sleep(60)
            return
        if how == "down":
            return self.send(503, b"<html><body><h1>503 Service Unavailable</h1></body></html>", "text/html")
        expected = "Basic " + base64.b64encode(f"{cfg['user']}:{cfg['password']}".encode()).decode()
        if self.headers.get("Authorization") != expected:
            return self.send(401, {"error": "Unauthorized", "status_code": 401})
        if how == "v1-only" and self.path.startswith("/api/v2/"):
            return self.send(404, {"error": "Not Found"})
        if self.path == "/api/v2/sign/pdf":
            return self.sign_v2(fields_in, cfg, how)
        if self.path == "/api/sign/pdf":
            return self.sign_v1(fields_in, cfg, how)
        if self.path == "/api/v2/verify/pdf":
            ok, infos = verify(base64.b64decode(fields_in.get("file", "")))
            return self.send(200, {"conclusion": "VALID" if ok else "INVALID",
                                   "description": "Dokumen valid, sertifikat terpercaya" if ok else "Dokumen tidak valid",
                                   "signatureInformations": infos})
        if self.path == "/api/sign/verify":
            ok, infos = verify(fields_in.get("signed_file", b""))
            return self.send(200, {"summary": "VALID" if ok else "INVALID", "jumlah_signature": len(infos),
                                   "notes": "Dokumen valid" if ok else "Dokumen tidak valid",
                                   "details": [{"info_signer": {"signer_name": i["signerName"], "cert_user_certified": i["certificateTrusted"]},
                                                "signature_document": {"document_integrity": i["integrityValid"]}} for i in infos]})
        return self.send(404, {"error": "Not Found"})

    def refuse(self, nik, secret_ok, cfg):
        status = cfg["nik"].get(nik)
        if status is None:
            return {"error": "User tidak terdaftar", "status_code": 2011}
        if not secret_ok:
            return {"error": "Passphrase anda salah", "status_code": 2031}
        if status == "expired":
            return {"error": "Sertifikat pengguna sudah kadaluarsa"}
        if status == "revoked":
            return {"error": "Sertifikat pengguna telah dicabut (revoked)"}
        return None

    def sign_v2(self, body, cfg, how):
        if "totp" in body:
            secret_ok = body.get("totp") == cfg["totp"]
        else:
            secret_ok = body.get("passphrase") == cfg["passphrase"]
        why = self.refuse(body.get("nik"), secret_ok, cfg)
        if why:
            return self.send(400, why)
        p = body["signatureProperties"][0]
        t0 = time.time()
        data = sign(base64.b64decode(body["file"][0]), int(p["page"]), float(p["originX"]), float(p["originY"]),
                    float(p["width"]), float(p["height"]), base64.b64decode(p["imageBase64"]), p.get("reason"),
                    p.get("location"), how)
        if how == "garbage":
            data = b"<html>bukan PDF</html>"
        return self.send(200, {"time": int((time.time() - t0) * 1000), "file": [base64.b64encode(data).decode()]})

    def sign_v1(self, form, cfg, how):
        why = self.refuse(form.get("nik"), form.get("passphrase") == cfg["passphrase"], cfg)
        if why:
            return self.send(400, why)
        data = sign(form["file"], int(form["page"]), float(form["xAxis"]), float(form["yAxis"]), float(form["width"]),
                    float(form["height"]), form["imageTTD"], form.get("reason"), form.get("location"), how)
        if how == "garbage":
            return self.send(200, b"<html>bukan PDF</html>", "text/html")
        return self.send(200, data, "application/pdf")


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
print(f"PORT {server.server_address[1]}", flush=True)
server.serve_forever()
