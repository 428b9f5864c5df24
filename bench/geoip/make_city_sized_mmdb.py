#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Writes a MaxMind DB the size of GeoLite2-City (~4.2 million search-tree nodes, ~70 MB), in GeoIP2-City's
# layout, for bench/geoip/scale.sh; and, with --queries, a dnsperf -B query file asking with ECS from
# random /24s all over the IPv4 space.
#
# Usage: make_city_sized_mmdb.py OUT.mmdb [--queries OUT.bin [N]]      (deterministic: seed 12)
#
# A minimal MMDB writer (format 2.0, https://maxmind.github.io/MaxMind-DB/): an IPv6 tree, 28-bit
# records, IPv4 at ::/96. Perl's MaxMind::DB::Writer would take many minutes and gigabytes at this
# size. The IPv4 space is split into its 2^20 /20s and each /20 into 1, 2, 4, 8 or 16 networks (mean 4),
# about 4.2 million networks; each /16 belongs to one country (of 240, from a continent weighted
# roughly like real allocations) and each network to one of 72,000 cities (300 a country), whose
# records carry their names in eight languages as GeoLite2's do. 2000::/3 gets 65,536 /19 networks.
import random
import struct
import sys
from array import array

RECORD_BITS = 28
EMPTY = -(1 << 62)
CONTINENTS = [("NA", 0.30, 39.0, -95.0), ("EU", 0.28, 50.0, 10.0), ("AS", 0.28, 30.0, 105.0),
              ("SA", 0.06, -15.0, -55.0), ("OC", 0.03, -25.0, 135.0), ("AF", 0.05, 5.0, 20.0)]
LANGUAGES = ["de", "en", "es", "fr", "ja", "pt-BR", "ru", "zh-CN"]


class Encoder:
    """MMDB data section encoding (types: 2 string, 3 double, 5 uint16, 6 uint32, 7 map, 9 uint64,
    11 array)."""

    def __init__(self):
        self.out = bytearray()

    @staticmethod
    def control(type_number, size):
        head = bytearray()
        extended = type_number > 7
        first = (0 if extended else type_number) << 5
        if size < 29:
            head.append(first | size)
        elif size < 29 + 256:
            head.append(first | 29)
            tail = bytes([size - 29])
        elif size < 285 + 65536:
            head.append(first | 30)
            tail = struct.pack(">H", size - 285)
        else:
            head.append(first | 31)
            tail = struct.pack(">I", size - 65821)[1:]
        if extended:
            head.append(type_number - 7)
        if size >= 29:
            head += tail
        return bytes(head)

    def value(self, v):
        if isinstance(v, str):
            data = v.encode()
            return self.control(2, len(data)) + data
        if isinstance(v, float):
            return self.control(3, 8) + struct.pack(">d", v)
        if isinstance(v, tuple):  # (type_number, int): sized unsigned
            type_number, n = v
            data = n.to_bytes((n.bit_length() + 7) // 8, "big") if n else b""
            return self.control(type_number, len(data)) + data
        if isinstance(v, dict):
            out = self.control(7, len(v))
            for key, item in v.items():
                out += self.value(key) + self.value(item)
            return out
        if isinstance(v, list):
            out = self.control(11, len(v))
            for item in v:
                out += self.value(item)
            return out
        raise TypeError(v)

    def add(self, v):
        offset = len(self.out)
        self.out += self.value(v)
        return offset


def names(rng, stem):
    return {lang: f"{stem} {lang} {rng.randrange(10**6)}" for lang in LANGUAGES}


def main():
    out_path = sys.argv[1]
    rng = random.Random(12)
    enc = Encoder()

    # Countries: two-letter codes AA.. on six continents; cities per country.
    countries = []
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    codes = [a + b for a in letters for b in letters][:240]
    weights = [c[1] for c in CONTINENTS]
    for code in codes:
        cont, _, lat, lon = rng.choices(CONTINENTS, weights)[0]
        countries.append((code, cont, lat + rng.uniform(-10, 10), lon + rng.uniform(-15, 15)))
    cities_by_country = []
    for code, cont, clat, clon in countries:
        offsets = []
        country_names = {"en": f"Country {code}"}
        for i in range(300):
            record = {
                "city": {"geoname_id": (6, rng.randrange(1 << 31)), "names": names(rng, f"City {code}{i}")},
                "continent": {"code": cont, "geoname_id": (6, rng.randrange(1 << 31))},
                "country": {"geoname_id": (6, rng.randrange(1 << 31)), "iso_code": code, "names": country_names},
                "location": {"accuracy_radius": (5, rng.randrange(1, 1000)),
                             "latitude": max(-90.0, min(90.0, clat + rng.uniform(-5, 5))),
                             "longitude": max(-180.0, min(180.0, clon + rng.uniform(-5, 5))),
                             "time_zone": f"Zone/{code}"},
                "registered_country": {"geoname_id": (6, rng.randrange(1 << 31)), "iso_code": code},
                "subdivisions": [{"geoname_id": (6, rng.randrange(1 << 31)),
                                  "iso_code": f"{rng.randrange(100):02d}", "names": {"en": f"Sub {i}"}}],
                "postal": {"code": f"{rng.randrange(100000):05d}"},
            }
            offsets.append(enc.add(record))
        cities_by_country.append(offsets)

    left = array("q")
    right = array("q")

    def new_node():
        left.append(EMPTY)
        right.append(EMPTY)
        return len(left) - 1

    def data(offset):
        return -(offset + 1)

    # ::/96 chain: node k is ::/k for k < 96; IPv6 data hangs off the chain at 2000::/3.
    chain = [new_node() for _ in range(96)]
    for k in range(95):
        left[chain[k]] = chain[k + 1]

    def subtree(depth, stop, leaf):
        """A full binary tree from `depth` to `stop` bits; leaf(index) gives each leaf's record."""
        node = new_node()
        stack = [(node, depth, 0)]
        while stack:
            n, d, prefix = stack.pop()
            for side, arr in ((0, left), (1, right)):
                p = (prefix << 1) | side
                if d + 1 == stop:
                    arr[n] = leaf(p)
                else:
                    child = new_node()
                    arr[n] = child
                    stack.append((child, d + 1, p))
        return node

    # IPv4: every /20 ends in 1, 2, 4, 8 or 16 networks.
    country_of_16 = [rng.randrange(len(countries)) for _ in range(1 << 16)]

    def split_20(index20):
        cities = cities_by_country[country_of_16[index20 >> 4]]
        k = rng.choices((0, 1, 2, 3, 4), (0.3, 0.25, 0.2, 0.2, 0.05))[0]
        if k == 0:
            return data(rng.choice(cities))
        return subtree(0, k, lambda _: data(rng.choice(cities)))

    left[chain[95]] = subtree(96, 96 + 20, split_20)
    # IPv6: 2000::/3 (bits 001: the right child of ::/2) -> 65,536 /19s, each a city of a random country.
    right[chain[2]] = subtree(3, 19, lambda _: data(rng.choice(cities_by_country[rng.randrange(len(countries))])))

    node_count = len(left)
    tree = bytearray(node_count * 7)

    def encode(v):
        if v == EMPTY:
            return node_count
        if v >= 0:
            return v
        return node_count + 16 + (-v - 1)

    # 28-bit records: left's low 24 bits, then a byte of left's top nibble and right's, then right's low 24.
    for i in range(node_count):
        lv, rv = encode(left[i]), encode(right[i])
        base = i * 7
        tree[base:base + 4] = bytes([(lv >> 16) & 0xFF, (lv >> 8) & 0xFF, lv & 0xFF,
                                     ((lv >> 20) & 0xF0) | ((rv >> 24) & 0x0F)])
        tree[base + 4:base + 7] = bytes([(rv >> 16) & 0xFF, (rv >> 8) & 0xFF, rv & 0xFF])

    meta = Encoder().value({
        "binary_format_major_version": (5, 2), "binary_format_minor_version": (5, 0),
        "build_epoch": (9, 1704067200), "database_type": "GeoLite2-City",
        "description": {"en": "sgdns bench: GeoLite2-City-sized synthetic data"},
        "ip_version": (5, 6), "languages": LANGUAGES, "node_count": (6, node_count),
        "record_size": (5, RECORD_BITS)})
    with open(out_path, "wb") as f:
        f.write(tree)
        f.write(bytes(16))
        f.write(enc.out)
        f.write(b"\xab\xcd\xefMaxMind.com")
        f.write(meta)
    print(f"{out_path}: {node_count} nodes, {len(enc.out)} data bytes, "
          f"{node_count * 7 + 16 + len(enc.out) + 14 + len(meta)} bytes", file=sys.stderr)

    if len(sys.argv) > 3 and sys.argv[2] == "--queries":
        count = int(sys.argv[4]) if len(sys.argv) > 4 else 20000
        qrng = random.Random(34)
        with open(sys.argv[3], "wb") as q:
            qname = b"".join(bytes([len(p)]) + p for p in b"www.geo.test".split(b".")) + b"\0"
            for _ in range(count):
                ecs = struct.pack(">HBB", 1, 24, 0) + bytes([qrng.randrange(1, 224), qrng.randrange(256),
                                                              qrng.randrange(256)])
                opt = b"\0" + struct.pack(">HHIH", 41, 4096, 0, 4 + len(ecs)) + struct.pack(">HH", 8, len(ecs)) + ecs
                msg = struct.pack(">HHHHHH", 0, 0x0100, 1, 0, 0, 1) + qname + struct.pack(">HH", 1, 1) + opt
                q.write(struct.pack(">H", len(msg)) + msg)


if __name__ == "__main__":
    main()
