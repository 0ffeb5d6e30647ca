#!/usr/bin/env python3
"""Updates conformance-expectations.tsv from a recorded run.

    KMS_CONFORMANCE_RECORD=/tmp/record.tsv dotnet test tests/Kms.Conformance.Tests -c Release --no-build --filter Replay
    python3 tests/Kms.Conformance.Tests/expectations_from_record.py /tmp/record.tsv tests/Kms.Conformance.Tests/conformance-expectations.tsv

A case that passed becomes `pass`. A case that failed keeps the reason already written in the table for it (the reasons
are written by hand: why the case fails and whose work fixes it); a case that failed and had no exception row gets the
first difference as its reason and is printed as NEW, so that a person writes the real reason. Prints the counts per
folder.
"""
import sys, collections

record = [l.rstrip('\n').split('\t') for l in open(sys.argv[1]) if l.strip()]
header, old = [], {}
for line in open(sys.argv[2]):
    line = line.rstrip('\n')
    if line.startswith('#') or not line:
        header.append(line)
        continue
    key, profile, result, reason = line.split('\t')
    old[key] = (profile, result, reason)

out, counts = [], collections.Counter()
for key, profile, result, detail in sorted(record):
    folder = '/'.join(key.split('/')[:2])
    if result == 'pass':
        out.append(f'{key}\t{profile}\tpass\t')
    else:
        previous = old.get(key)
        if previous and previous[1] == 'exception':
            reason = previous[2]
        else:
            reason = detail
            print(f'NEW {key}: {detail[:200]}')
        out.append(f'{key}\t{profile}\texception\t{reason}')
    counts[(folder, result)] += 1
open(sys.argv[2], 'w').write('\n'.join(header + out) + '\n')
for (folder, result), n in sorted(counts.items()):
    print(folder, result, n)
