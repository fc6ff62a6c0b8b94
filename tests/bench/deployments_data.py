#!/usr/bin/env python3
"""Generates the `scripts/bench.sh deployments` data set (deterministic):

  OUT/reports/fleet/op=OP/dt=DATE/*.json       REPORTS reports (build, push, heartbeat mixed),
                                                JSON Lines, 50 per file, the s3 sink's layout
  OUT/custodian/us-east-1/ecs-tasks/...         TASKS ECS tasks + their services as Custodian writes them
  OUT/custodian-lines/resource=.../run=.../     the same records as JSON Lines for SQL engines

Usage: deployments_data.py REPORTS TASKS OUT
"""
import hashlib
import json
import os
import random
import sys

reports_wanted, tasks_wanted, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
rng = random.Random(13)
h = lambda text: hashlib.sha256(text.encode()).hexdigest()
RUN = 1700000000
builds = reports_wanted * 3 // 10
pushes = reports_wanted * 3 // 10
beats = reports_wanted - builds - pushes
base_ms = 1698796800000  # 2023-11-01

def day(ms):
    import datetime
    return datetime.datetime.fromtimestamp(ms / 1000, datetime.timezone.utc).strftime("%Y-%m-%d")

files = {}
def emit(report):
    key = f"op={report['_OPERATION']}/dt={day(report['_TIMESTAMP'])}"
    files.setdefault(key, []).append(json.dumps(report, separators=(",", ":")))

for i in range(builds):
    ms = base_ms + i * 20_000
    emit({"_OPERATION": "build", "_TIMESTAMP": ms, "_DATETIME": "2023-11-01T00:00:00.000+00:00",
          "_CHALKS": [{"CHALK_ID": f"C{i:022d}", "METADATA_ID": f"M{i:022d}", "ORIGIN_URI": f"https://git.example.com/team{i % 97}/svc{i % 1013}.git",
                       "COMMIT_ID": h(f"commit{i}")[:40], "BRANCH": "main", "DOCKERFILE_PATH": f"/src/svc{i % 1013}/Dockerfile",
                       "DOCKER_FILE": "FROM debian:12\nRUN apt-get update && apt-get install -y curl\nCOPY . /app\nCMD [\"/app/run\"]\n",
                       "DOCKER_TAGS": [f"svc{i % 1013}:{i}"], "DOCKER_LABELS": {}, "TIMESTAMP_WHEN_CHALKED": ms,
                       "_OP_ARTIFACT_TYPE": "Docker Image", "_IMAGE_ID": h(f"config{i}"), "_CURRENT_HASH": h(f"config{i}")}],
          "_ENV": {"PATH": "/usr/local/bin:/usr/bin:/bin", "USER": "ci"}, "_OP_ARGV": ["docker-chalk", "chalk", "build", "."],
          "_OP_CHALKER_VERSION": "0.1.0", "_OP_CHALK_COUNT": 1, "_OP_UNMARKED_COUNT": 0, "_OP_EXIT_CODE": 0})
registry = "123456789012.dkr.ecr.us-east-1.amazonaws.com"
for i in range(pushes):
    b = i % builds
    emit({"_OPERATION": "push", "_TIMESTAMP": base_ms + b * 20_000 + 5_000, "_DATETIME": "2023-11-01T00:00:05.000+00:00",
          "_OP_EXIT_CODE": 0, "_OP_CHALK_COUNT": 1,
          "_CHALKS": [{"CHALK_ID": f"C{b:022d}", "METADATA_ID": f"M{b:022d}", "_OP_ARTIFACT_TYPE": "Docker Image",
                       "_CURRENT_HASH": h(f"config{b}"), "_REPO_DIGESTS": {registry: {f"team/svc{b % 1013}": [h(f"manifest{b}")]}},
                       "_REPO_TAGS": {registry: {f"team/svc{b % 1013}": {str(b): h(f"manifest{b}")}}}}]})
for i in range(beats):
    b = rng.randrange(builds)
    ms = base_ms + b * 20_000 + 60_000 + (i % 50) * 60_000
    emit({"_OPERATION": "heartbeat", "_TIMESTAMP": ms, "_DATETIME": "2023-11-01T00:01:00.000+00:00",
          "CHALK_ID": f"C{b:022d}", "METADATA_ID": f"M{b:022d}", "_EXEC_ID": h(f"exec{b}")[:16], "_HEARTBEAT_COUNT": i % 50 + 1,
          "_OP_HOSTNAME": f"ip-10-{b % 250}-{b // 250 % 250}-{b % 7}", "_OP_PLATFORM": "GNU/Linux x86_64",
          "_OP_IPV4_ROUTES": [["0.0.0.0", "10.0.0.1", "0.0.0.0", "eth0", "0003", "0", "0", "0", "0", "0", "0"]],
          "_OP_TCP_SOCKET_INFO": [["0.0.0.0", "8080", "0.0.0.0", "0", "LISTEN", "0", "1000"],
                                  [f"10.{b % 250}.{b // 250 % 250}.{b % 7}", "8080", "10.9.9.9", "51000", "ESTABLISHED", "0", "1001"]]})
for key, lines in files.items():
    directory = f"{out}/reports/fleet/{key}"
    os.makedirs(directory, exist_ok=True)
    for n in range(0, len(lines), 50):
        with open(f"{directory}/{n:013d}-{'B' * 26}.json", "w") as f:
            f.write("\n".join(lines[n:n + 50]) + "\n")

tasks, services = [], []
for t in range(tasks_wanted):
    b = t * 7 % builds
    cluster = f"arn:aws:ecs:us-east-1:123456789012:cluster/c{t % 20}"
    digest = h(f"manifest{b}") if t % 10 else h(f"unknown{t}")  # one in ten untraced
    tasks.append({"clusterArn": cluster, "group": f"service:svc{b % 1013}", "lastStatus": "RUNNING",
                  "startedAt": "2023-11-02T10:00:00.000000+00:00", "taskArn": f"{cluster}/task{t}",
                  "taskDefinitionArn": f"arn:aws:ecs:us-east-1:123456789012:task-definition/svc{b % 1013}:1",
                  "containers": [{"name": "app", "image": f"{registry}/team/svc{b % 1013}:{b}", "imageDigest": "sha256:" + digest,
                                  "lastStatus": "RUNNING"}]})
seen = set()
for task in tasks:
    key = (task["clusterArn"], task["group"])
    if key not in seen:
        seen.add(key)
        services.append({"serviceName": task["group"][8:], "clusterArn": task["clusterArn"], "runningCount": 1,
                         "desiredCount": 1, "taskDefinition": task["taskDefinitionArn"]})
for policy, resource, records in [("ecs-tasks", "ecs-task", tasks), ("ecs-services", "ecs-service", services)]:
    directory = f"{out}/custodian/us-east-1/{policy}"
    os.makedirs(directory, exist_ok=True)
    json.dump(records, open(f"{directory}/resources.json", "w"))
    json.dump({"policy": {"name": policy, "resource": "aws." + resource}, "execution": {"start": RUN}},
              open(f"{directory}/metadata.json", "w"))
    lines = f"{out}/custodian-lines/resource={resource}/region=us-east-1/run={RUN}"
    os.makedirs(lines, exist_ok=True)
    with open(f"{lines}/part-0.json", "w") as f:
        f.write("".join(json.dumps(r) + "\n" for r in records))
