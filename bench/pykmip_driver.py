#!/usr/bin/python3
"""PyKMIP-speaking load driver for the Kms / PyKMIP comparison (issue 7).

Several processes, each with one kmip.pie.client.ProxyKmipClient (KMIP 1.2, mutual TLS), run the mix
(get and create, weighted like get:80,create:20) for warm-up + duration seconds. Prints one JSON line:
measured ops, measured seconds, errors, total ops (warm-up included) and the PyKMIP version.
"""
import argparse
import json
import logging
import multiprocessing
import time


def parse_mix(text):
    sequence = []
    for part in text.split(","):
        name, _, weight = part.strip().partition(":")
        if name not in ("get", "create"):
            raise SystemExit("pykmip_driver.py: only get and create are supported, not " + name)
        sequence += [name] * int(weight or 1)
    # Interleaved, so that a short run sees the same proportions.
    return interleave(sequence)


def interleave(sequence):
    counts = {op: sequence.count(op) for op in dict.fromkeys(sequence)}
    out, acc = [], {op: 0.0 for op in counts}
    total = len(sequence)
    for _ in range(total):
        for op in acc:
            acc[op] += counts[op] / total
        op = max(acc, key=acc.get)
        acc[op] -= 1
        out.append(op)
    return out


def worker(args, start_at, queue):
    logging.disable(logging.CRITICAL)
    from kmip.core import enums
    from kmip.pie import client

    c = client.ProxyKmipClient(hostname="127.0.0.1", port=args.port, cert=args.cert, key=args.key, ca=args.ca,
                               config_file="/dev/null", kmip_version=enums.KMIPVersion.KMIP_1_2)
    c.open()
    uid = c.create(enums.CryptographicAlgorithm.AES, 256)
    sequence = parse_mix(args.mix)
    while time.time() < start_at:
        time.sleep(0.01)
    measure_from = start_at + args.warmup
    end = measure_from + args.duration
    measured = errors = total = 0
    i = 0
    now = time.time()
    while now < end:
        op = sequence[i % len(sequence)]
        i += 1
        try:
            if op == "get":
                c.get(uid)
            else:
                c.create(enums.CryptographicAlgorithm.AES, 256)
        except Exception:  # a failed operation is counted, the run goes on
            errors += 1
        now = time.time()
        total += 1
        if now >= measure_from:
            measured += 1
    c.close()
    queue.put((measured, errors, total))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--cert", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--ca", required=True)
    p.add_argument("--mix", default="get:80,create:20")
    p.add_argument("--processes", type=int, default=4)
    p.add_argument("--warmup", type=float, default=3)
    p.add_argument("--duration", type=float, default=10)
    args = p.parse_args()
    parse_mix(args.mix)
    queue = multiprocessing.Queue()
    start_at = time.time() + 2  # every process connected before the clock starts
    procs = [multiprocessing.Process(target=worker, args=(args, start_at, queue)) for _ in range(args.processes)]
    for proc in procs:
        proc.start()
    results = [queue.get(timeout=args.warmup + args.duration + 120) for _ in procs]
    for proc in procs:
        proc.join()
    import kmip
    print(json.dumps({
        "ops": sum(r[0] for r in results),
        "errors": sum(r[1] for r in results),
        "total_ops": sum(r[2] for r in results),
        "seconds": args.duration,
        "version": getattr(kmip, "__version__", "?"),
    }))


if __name__ == "__main__":
    main()
