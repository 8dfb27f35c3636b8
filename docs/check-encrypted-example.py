#!/usr/bin/env python3
# Independent check of the version 2 example from its definition (docs/delta-format.md), with
# Python's hashlib and cryptography: builds the stream from the version 1 example's records.
import hashlib, re, struct, sys
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

def block(doc, marker):
    text = open(doc).read()
    part = text[text.index('<!-- %s-begin -->' % marker):text.index('<!-- %s-end -->' % marker)]
    return part[part.index('```text\n') + 8:part.rindex('```')].strip().splitlines()

def parse(lines):
    out = bytearray()
    for line in lines:
        m = re.match(r'^(\d{6})  ((?:[0-9a-f]{2})(?: [0-9a-f]{2})*)', line)
        out += bytes(int(h, 16) for h in m.group(2).split(' '))
    return bytes(out)

def crc32c(data):
    crc = 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF

doc = sys.argv[1] if len(sys.argv) > 1 else 'docs/delta-format.md'
v1 = parse(block(doc, 'example-hex')); want = parse(block(doc, 'example-v2-hex'))
seq = lambda a: bytes(range(a, a + 32))
raw = lambda k: k.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
recipient = X25519PrivateKey.from_private_bytes(seq(0x40)); R = raw(recipient.public_key())
data_key = seq(0x80); eph = X25519PrivateKey.from_private_bytes(seq(0xa0)); E = raw(eph.public_key())
shared = eph.exchange(X25519PublicKey.from_public_bytes(R))
wrap_key = HKDF(hashes.SHA256(), 32, E + R, b'deltasnap-delta-v2 x25519').derive(shared)
wrapped = AESGCM(wrap_key).encrypt(b'\0' * 12, data_key, None)
stanza = hashlib.sha256(R).digest()[:8] + E + wrapped
L1 = struct.unpack_from('<I', v1, 12)[0]
body = v1[:144 + 7] + bytes([1, 1, 0, 0]) + stanza
L = len(body) + 4
header = bytearray(body); header[8:10] = struct.pack('<H', 2); header[12:16] = struct.pack('<I', L)
header = bytes(header); header += struct.pack('<I', crc32c(header))
h = hashlib.sha256(header).digest(); h0 = h
recs = [v1[155:227], v1[227:263], v1[263:315]]
out = bytearray(header)
gcm = AESGCM(data_key)
for i, r in enumerate(recs):
    fh = bytes([0x53, 0, 0, 0]) + struct.pack('<I', len(r) + 16)
    frame = fh + gcm.encrypt(struct.pack('<QI', i, 0), r, h0 + fh)
    h = hashlib.sha256(h + frame).digest()
    out += frame
t = bytearray([0xff] + [0] * 7) + struct.pack('<Q', 3)
counts = v1[315 + 8:315 + 48]
t += gcm.encrypt(struct.pack('<QI', 3, 1), counts, h0 + bytes(t[:16]))
t += h
signer = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
t += signer.sign(b'deltasnap-delta-v2' + h + bytes(t[8:72]))
t += struct.pack('<I', crc32c(bytes(t)))
out += t
ok = bytes(out) == want
print('the encrypted example', 'matches' if ok else 'DIFFERS from', 'its independent build,', len(out), 'bytes')
sys.exit(0 if ok else 1)
