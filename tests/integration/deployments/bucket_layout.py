#!/usr/bin/env python3
"""Writes the deployments fixtures in the bucket layout (REPORTS.md §9), as the s3 sink stores
reports and as plugin/deployments/README.md says to store Cloud Custodian resources:

  OUT/reports/fleet/op=OP/dt=YYYY-MM-DD/<13-digit ms>-<26 chars>.json   one report object + "\n"
  OUT/custodian/resource=TYPE/region=REGION/run=START/part-0.json     one resource per line

Usage: bucket_layout.py FIXTURES_DIR OUT_DIR
"""
import datetime
import json
import os
import sys

fixtures, out = sys.argv[1:3]

def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)

reports = []
for root, _, files in sorted(os.walk(os.path.join(fixtures, "reports"))):
    for name in sorted(files):
        reports += [json.loads(line) for line in open(os.path.join(root, name)) if line.strip()]
reports += [json.loads(line)[0] for line in open(os.path.join(fixtures, "stdout-pushes.txt"))]
reports += json.load(open(os.path.join(fixtures, "receiver-heartbeats.json")))
for n, report in enumerate(reports):
    ms = report["_TIMESTAMP"]
    day = datetime.datetime.fromtimestamp(ms / 1000, datetime.timezone.utc).strftime("%Y-%m-%d")
    write(f"{out}/reports/fleet/op={report['_OPERATION']}/dt={day}/{ms:013d}-{n:026d}.json", json.dumps(report) + "\n")

region_root = os.path.join(fixtures, "custodian", "us-east-1")
for policy in sorted(os.listdir(region_root)):
    metadata = json.load(open(os.path.join(region_root, policy, "metadata.json")))
    resource = metadata["policy"]["resource"].removeprefix("aws.")
    run = int(metadata["execution"]["start"])
    records = json.load(open(os.path.join(region_root, policy, "resources.json")))
    write(f"{out}/custodian/resource={resource}/region=us-east-1/run={run}/part-0.json",
          "".join(json.dumps(record) + "\n" for record in records))
