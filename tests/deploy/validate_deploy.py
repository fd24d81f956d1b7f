#!/usr/bin/env python3
"""Checks deploy/ (compose file, Kubernetes manifests) against the real binaries, since no container engine
or cluster runs on the build machines.

  validate_deploy.py SOURCE_DIR BIN_DIR

Every PIAO_* variable must be a flag the binary it configures declares (asked from the binary itself),
every reference must resolve (selectors, service names, ports, volumes, config maps, secret keys), Kafka
must run in KRaft mode, and every write service must have its topic and be a source of the projection.
Prints one line per check group and 'N passed, N failed'; exits non-zero on any failure.
"""
import os
import re
import subprocess
import sys

import yaml

WRITE_SERVICES = ["planning", "measurement", "risk", "hr"]
failures = []
passed = 0


def check(ok, what):
    global passed
    if ok:
        passed += 1
    else:
        failures.append(what)


_flags_cache = {}


def flags_of(bin_dir, binary):
    """The flags a binary declares, from the usage it prints for an unknown flag."""
    if binary not in _flags_cache:
        path = os.path.join(bin_dir, binary)
        if not os.path.exists(path):
            _flags_cache[binary] = None
        else:
            p = subprocess.run([path, "--piao-deploy-check-unknown-flag"], capture_output=True, text=True, timeout=30)
            _flags_cache[binary] = set(re.findall(r"^\s+--([a-z0-9-]+) \(default", p.stdout + p.stderr, re.M))
    return _flags_cache[binary]


def env_to_flag(name):
    return name[len("PIAO_"):].lower().replace("_", "-")


def check_env(bin_dir, binary, env_names, where):
    flags = flags_of(bin_dir, binary)
    check(flags is not None, f"{where}: binary {binary} is not built")
    if not flags:
        check(False, f"{where}: {binary} printed no flags")
        return
    for name in env_names:
        if name.startswith("PIAO_"):
            check(env_to_flag(name) in flags, f"{where}: {name} is not a flag of {binary} (--{env_to_flag(name)})")


def parse_sources(text):
    return dict(item.split("=", 1) for item in text.split(",") if item)

TOPIC_SETTINGS = ["PIAO_KAFKA_PARTITIONS", "PIAO_TOPIC_REPLICATION", "PIAO_TOPIC_MIN_INSYNC_REPLICAS",
                  "PIAO_TOPIC_MAX_MESSAGE_BYTES", "PIAO_TOPIC_RETENTION_MS"]


def pinned_kafka_version(src):
    pom = open(os.path.join(src, "tools/kafka/pom.xml")).read()
    m = re.search(r"<kafka\.version>([^<]+)</kafka\.version>", pom) or re.search(
        r"<artifactId>kafka_2\.13</artifactId>\s*<version>([^<]+)</version>", pom)
    return m.group(1) if m else None


def check_topic_settings(where, settings, command, min_replication, src, images):
    """The topics' settings in one place: every one defined once, sane, and used by the command (no literals)."""
    for key in TOPIC_SETTINGS:
        check(key in settings, f"{where}: topic setting {key} is not defined")
    if not all(key in settings for key in TOPIC_SETTINGS):
        return
    partitions, replication, min_isr, max_bytes, retention = (int(str(settings[k])) for k in TOPIC_SETTINGS)
    check(partitions >= 1, f"{where}: PIAO_KAFKA_PARTITIONS must be >= 1")
    check(replication >= min_replication, f"{where}: replication {replication} < {min_replication}")
    check(1 <= min_isr <= max(1, replication - 1) or replication == 1 == min_isr,
          f"{where}: min.insync.replicas {min_isr} must leave one broker free to fail (replication {replication})")
    check(max_bytes >= 1048576, f"{where}: max.message.bytes {max_bytes} is below the event store's 1 MiB limit")
    check(retention == -1 or retention >= 24 * 3600 * 1000, f"{where}: retention under a day ({retention} ms)")
    for key in TOPIC_SETTINGS:
        check(key in command, f"{where}: the topics command does not use {key}")
    check(re.search(r"--partitions\s+\d", command.replace("--partitions 1 ", "")) is None,
          f"{where}: the topics command has a literal partition count for the event topics")
    check(re.search(r"--replication-factor\s+\d", command) is None, f"{where}: a literal replication factor")
    version = pinned_kafka_version(src)
    for image in images:
        check(version is not None and image == f"apache/kafka:{version}",
              f"{where}: image {image} is not the pinned Kafka {version} (tools/kafka/pom.xml)")


def check_compose(src, bin_dir):
    doc = yaml.safe_load(open(os.path.join(src, "deploy/compose.yaml")))
    services = doc["services"]
    kafka = services["kafka"]["environment"]
    check("controller" in kafka.get("KAFKA_PROCESS_ROLES", ""), "compose: kafka is not a KRaft controller")
    check("KAFKA_CONTROLLER_QUORUM_VOTERS" in kafka, "compose: no KRaft quorum voters")
    check(not any("zookeeper" in n for n in services), "compose: a ZooKeeper service is defined")
    check(not any("ZOOKEEPER" in k for k in kafka), "compose: ZooKeeper settings on the broker")
    advertised = kafka.get("KAFKA_ADVERTISED_LISTENERS", "")
    topics_cmd = " ".join(services["kafka-topics"]["command"])
    topic_env = services["kafka-topics"].get("environment") or {}
    check_topic_settings("compose", topic_env, topics_cmd, 1, src,
                         [services["kafka"]["image"], services["kafka-topics"]["image"]])
    declared_volumes = set((doc.get("volumes") or {}).keys())
    listen = {}
    for name in WRITE_SERVICES + ["projection"]:
        check(name in services, f"compose: service {name} missing")
        if name not in services:
            continue
        s = services[name]
        env = s.get("environment", {})
        binary = s["command"][0]
        check(binary == f"piao-{name}", f"compose: {name} runs {binary}")
        check_env(bin_dir, binary, env.keys(), f"compose {name}")
        check(str(env.get("PIAO_KAFKA_PARTITIONS")) == str(topic_env.get("PIAO_KAFKA_PARTITIONS")),
              f"compose: {name} partitions by {env.get('PIAO_KAFKA_PARTITIONS')}, the topics have "
              f"{topic_env.get('PIAO_KAFKA_PARTITIONS')}")
        bootstrap = env.get("PIAO_BOOTSTRAP_SERVERS", "")
        check(bootstrap != "" and all(f"//{b}" in advertised for b in bootstrap.split(",")),
              f"compose: {name} bootstrap '{bootstrap}' is not an advertised listener")
        listen[name] = env.get("PIAO_LISTEN", "").rsplit(":", 1)[-1]
        check(str(listen[name]) in " ".join(s.get("ports", [])), f"compose: {name} does not publish its port")
        for v in s.get("volumes", []):
            vol = v.split(":")[0]
            check(vol.startswith(".") or vol in declared_volumes, f"compose: {name} mounts undeclared volume {vol}")
        if name in WRITE_SERVICES:
            check(f"piao.{name}.events.v1" in topics_cmd, f"compose: topic piao.{name}.events.v1 not created")
    sources = parse_sources(services["projection"]["environment"].get("PIAO_SOURCES", ""))
    for name in WRITE_SERVICES:
        check(sources.get(name) == f"{name}:{listen.get(name)}", f"compose: projection source {name} is {sources.get(name)}")
        check(name in services["projection"].get("depends_on", {}), f"compose: projection does not wait for {name}")


def check_k8s(src, bin_dir):
    docs = []
    k8s_dir = os.path.join(src, "deploy/k8s")
    for f in sorted(os.listdir(k8s_dir)):
        if f.endswith(".yaml"):
            for d in yaml.safe_load_all(open(os.path.join(k8s_dir, f))):
                if d:
                    docs.append((f, d))
    by_kind = {}
    for f, d in docs:
        check(all(k in d for k in ("apiVersion", "kind", "metadata")), f"k8s {f}: a document lacks apiVersion/kind/metadata")
        check("name" in d["metadata"], f"k8s {f}: {d['kind']} without a name")
        if d["kind"] != "Namespace":
            check(d["metadata"].get("namespace") == "piao-ledger", f"k8s {f}: {d['kind']} {d['metadata']['name']} outside the namespace")
        by_kind.setdefault(d["kind"], {})[d["metadata"]["name"]] = d
    config_maps = by_kind.get("ConfigMap", {})
    secrets = by_kind.get("Secret", {})
    secret_keys = set()
    for s in secrets.values():
        secret_keys |= set((s.get("stringData") or {}).keys()) | set((s.get("data") or {}).keys())
    services = by_kind.get("Service", {})
    sets = by_kind.get("StatefulSet", {})
    for name in WRITE_SERVICES + ["projection"]:
        check(name in sets, f"k8s: StatefulSet {name} missing")
        check(name in services, f"k8s: Service {name} missing")
    if "projection" in sets:
        check(sets["projection"]["spec"]["replicas"] >= 1, "k8s: projection has no replicas")
    for name, ss in sets.items():
        spec = ss["spec"]
        tmpl = spec["template"]
        labels = tmpl["metadata"]["labels"]
        check(all(labels.get(k) == v for k, v in spec["selector"]["matchLabels"].items()),
              f"k8s: StatefulSet {name} selector does not match its pods")
        check(spec["serviceName"] in services, f"k8s: StatefulSet {name} names unknown Service {spec['serviceName']}")
        if name in WRITE_SERVICES:
            check(spec["replicas"] == 1, f"k8s: write service {name} must have one replica (single writer)")
        volumes = {v["name"] for v in tmpl["spec"].get("volumes", [])} | {
            v["metadata"]["name"] for v in spec.get("volumeClaimTemplates", [])}
        for c in tmpl["spec"]["containers"]:
            env_names = [e["name"] for e in c.get("env", [])]
            for ref in c.get("envFrom", []):
                cm = ref.get("configMapRef", {}).get("name")
                if cm:
                    check(cm in config_maps, f"k8s: {name} envFrom unknown ConfigMap {cm}")
                    env_names += list(config_maps.get(cm, {}).get("data", {}).keys())
            for e in c.get("env", []):
                key_ref = e.get("valueFrom", {}).get("configMapKeyRef")
                if key_ref:
                    check(key_ref["key"] in config_maps.get(key_ref["name"], {}).get("data", {}),
                          f"k8s: {name} env {e['name']} names a missing ConfigMap key")
                value = str(e.get("value", ""))
                for path in re.findall(r"/etc/piao/([A-Za-z0-9_.-]+)", value):
                    check(path in secret_keys, f"k8s: {name} env {e['name']} reads /etc/piao/{path}, not in the Secret")
                if e["name"] == "PIAO_SOURCES":
                    for src_name, addr in parse_sources(value).items():
                        host, port = addr.rsplit(":", 1)
                        check(host in services and any(str(p["port"]) == port for p in services[host]["spec"]["ports"]),
                              f"k8s: projection source {src_name}={addr} is not a Service port")
            check_env(bin_dir, c["command"][0], env_names, f"k8s {name}")
            for m in c.get("volumeMounts", []):
                check(m["name"] in volumes, f"k8s: {name} mounts unknown volume {m['name']}")
            port_names = {p["name"] for p in c.get("ports", [])}
            svc = services.get(spec["serviceName"])
            if svc:
                for p in svc["spec"]["ports"]:
                    check(p["targetPort"] in port_names, f"k8s: Service {svc['metadata']['name']} targets unknown port {p['targetPort']}")
                check(all(labels.get(k) == v for k, v in svc["spec"]["selector"].items()),
                      f"k8s: Service {svc['metadata']['name']} selects no pod of {name}")
    jobs = by_kind.get("Job", {})
    topics = " ".join(" ".join(c.get("args", [])) for j in jobs.values() for c in j["spec"]["template"]["spec"]["containers"])
    for name in WRITE_SERVICES:
        check(f"piao.{name}.events.v1" in topics, f"k8s: topic piao.{name}.events.v1 not created")
    images = [c["image"] for j in jobs.values() for c in j["spec"]["template"]["spec"]["containers"]]
    check_topic_settings("k8s", config_maps.get("piao-topics", {}).get("data", {}), topics, 3, src, images)
    for path in re.findall(r"/etc/piao/([A-Za-z0-9_.-]+)", topics):
        check(path in secret_keys, f"k8s: topics job reads /etc/piao/{path}, not in the Secret")


def main():
    src, bin_dir = sys.argv[1], sys.argv[2]
    check_compose(src, bin_dir)
    check_k8s(src, bin_dir)
    for f in failures:
        print("FAIL", f)
    print(f"deploy: {passed} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
