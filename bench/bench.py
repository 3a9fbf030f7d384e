#!/usr/bin/env python3
"""Runs the smart-bff benchmark (see bench/README.md). Started by bench/run, which installs the tools and builds.

Everything listens on 127.0.0.1 on free ports; every process started here is stopped on exit (also on Ctrl-C or
SIGTERM); temporary files live in one temporary directory, removed at the end (BENCH_KEEP_TMP=1 keeps it).
"""

import base64
import concurrent.futures
import datetime
import http.client
import json
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.join(REPO, "bench")
LUA = os.path.join(BENCH, "wrk", "bench.lua")
PATIENT_ID = "e4531916-b162-4f4b-90c2-ce37e132b8d4"  # the fake's launch patient: patient/ scopes allow only it
CLIENT_ID = "smart-bff-test"
SCOPE = "openid fhirUser launch/patient patient/*.rs offline_access"


def env_int(name, default):
    return int(os.environ.get(name) or default)


def env_float(name, default):
    return float(os.environ.get(name) or default)


CFG = {
    "rounds": env_int("BENCH_ROUNDS", 3),
    "duration": env_int("BENCH_DURATION", 5),
    "sessions": env_int("BENCH_SESSIONS", 1000),
    "connections": env_int("BENCH_CONNECTIONS", 32),
    "threads": env_int("BENCH_THREADS", 1),
    "stream_connections": env_int("BENCH_STREAM_CONNECTIONS", 2),
    "starts": env_int("BENCH_STARTS", 5 if env_int("BENCH_ROUNDS", 3) > 1 else 3),
    # The stream workload's warm-up per BFF (s), and the most a BFF's general warm-up may take (s).
    "warmup": env_int("BENCH_WARMUP", max(6, min(10, 2 * env_int("BENCH_DURATION", 5)))),
    "warmup_max": env_int("BENCH_WARMUP_MAX", max(16, min(60, 12 * env_int("BENCH_DURATION", 5)))),
    "refresh_lifetime": env_int("BENCH_REFRESH_LIFETIME", 3),
    "big_mib": env_int("BENCH_STREAM_MIB", 50),
    # A JDK 25 (bench/run finds one) runs smart-bff-image: the container image's way of starting, from the aot-jar
    # build (target/quarkus-app-aot) with an AOT cache trained here. Without one, JDK 17 and the fast-jar.
    "jdk25": os.environ.get("BENCH_JDK25_HOME", ""),
    "default_opts": os.environ.get("BENCH_BFF_DEFAULT_JAVA_OPTS", ""),
    "out": os.environ.get("BENCH_OUT") or os.path.join(BENCH, "results"),
    "classpath_file": os.environ.get("BENCH_TEST_CLASSPATH_FILE", ""),
    "jfr": os.environ.get("BENCH_JFR", "1") != "0",
}

# ------------------------------------------------------------------------------------------------ processes


class Processes:
    """Every process started here, each in its own process group, stopped in reverse order."""

    def __init__(self):
        self.procs = []

    def start(self, name, argv, log_path, env=None):
        log = open(log_path, "ab")
        p = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                             start_new_session=True, env=env, cwd=REPO)
        log.close()
        self.procs.append((name, p))
        return p

    def stop(self, p, timeout=10):
        if p.poll() is None:
            try:
                os.killpg(p.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                p.wait(timeout)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(p.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                p.wait(5)
        self.procs = [(n, q) for n, q in self.procs if q is not p]

    def stop_all(self):
        for _, p in reversed(list(self.procs)):
            self.stop(p)


PROCS = Processes()


def on_signal(signum, frame):
    raise SystemExit(128 + signum)


def log(msg):
    print("[bench %s] %s" % (time.strftime("%H:%M:%S"), msg), flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url, timeout=60, proc=None, want=200):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError("process for %s exited with %s" % (url, proc.returncode))
        try:
            status, _, _ = http_get(url, timeout=2)
            if status == want:
                return
        except OSError:
            pass
        time.sleep(0.01)
    raise RuntimeError("timed out waiting for " + url)


def http_get(url, headers=None, timeout=10):
    u = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=timeout)
    try:
        path = u.path + ("?" + u.query if u.query else "")
        conn.request("GET", path or "/", headers=headers or {})
        r = conn.getresponse()
        body = r.read()
        return r.status, r.getheaders(), body
    finally:
        conn.close()


def run(argv, **kw):
    return subprocess.run(argv, check=True, capture_output=True, text=True, **kw).stdout


# ------------------------------------------------------------------------------------------------ fixtures


def write_fixtures(www, upstream_base, big_mib):
    """The upstream's documents: a ~2 KB Patient, a ~60 KB searchset Bundle and a big Bundle, all with absolute
    URLs under the upstream's FHIR base (which smart-bff rewrites)."""
    fhir = os.path.join(www, "fhir")
    os.makedirs(os.path.join(fhir, "Patient"), exist_ok=True)
    patient = {
        "resourceType": "Patient", "id": PATIENT_ID,
        "meta": {"versionId": "3", "lastUpdated": "2024-05-01T10:00:00Z",
                 "profile": ["http://hl7.org/fhir/us/core/StructureDefinition/us-core-patient"]},
        "text": {"status": "generated", "div": "<div xmlns=\"http://www.w3.org/1999/xhtml\">Amy V. Shaw, "
                                               "born 1987-02-20, female. MRN 1032702.</div>"},
        "identifier": [{"use": "usual", "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203",
                                                             "code": "MR", "display": "Medical Record Number"}]},
                        "system": "urn:oid:1.2.36.146.595.217.0.1", "value": "1032702"}],
        "active": True,
        "name": [{"use": "official", "family": "Shaw", "given": ["Amy", "V."]},
                 {"use": "maiden", "family": "Baxter", "given": ["Amy"]}],
        "telecom": [{"system": "phone", "value": "555-555-5555", "use": "home"},
                    {"system": "email", "value": "amy.shaw@example.com"}],
        "gender": "female", "birthDate": "1987-02-20",
        "address": [{"use": "home", "line": ["49 Meadow St"], "city": "Mounds", "state": "OK",
                     "postalCode": "74047", "country": "US"}],
        "generalPractitioner": [{"reference": upstream_base + "/Practitioner/123"}],
        "managingOrganization": {"reference": upstream_base + "/Organization/acme", "display": "Acme Clinic"},
    }
    body = json.dumps(patient, indent=1)
    body += " " * max(0, 2048 - len(body))  # pad to ~2 KB without changing the JSON
    with open(os.path.join(fhir, "Patient", PATIENT_ID), "w") as f:
        f.write(body)

    def observation(i):
        return {
            "fullUrl": "%s/Observation/obs-%d" % (upstream_base, i),
            "resource": {
                "resourceType": "Observation", "id": "obs-%d" % i, "status": "final",
                "meta": {"versionId": "1", "lastUpdated": "2024-05-01T10:00:00Z"},
                "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category",
                                          "code": "vital-signs", "display": "Vital Signs"}]}],
                "code": {"coding": [{"system": "http://loinc.org", "code": "8867-4", "display": "Heart rate"}],
                         "text": "Heart rate"},
                "subject": {"reference": upstream_base + "/Patient/" + PATIENT_ID},
                "effectiveDateTime": "2024-04-%02dT08:%02d:00Z" % (1 + i % 28, i % 60),
                "valueQuantity": {"value": 60 + i % 40, "unit": "beats/minute", "system": "http://unitsofmeasure.org",
                                  "code": "/min"},
            },
            "search": {"mode": "match"},
        }

    def bundle(entries, total):
        return {
            "resourceType": "Bundle", "type": "searchset", "total": total,
            "link": [{"relation": "self", "url": upstream_base + "/Observation?patient=" + PATIENT_ID},
                     {"relation": "next", "url": upstream_base + "/Observation?patient=" + PATIENT_ID + "&_page=2"}],
            "entry": entries,
        }

    entries = []
    while len(json.dumps(bundle(entries, 0))) < 60 * 1024:
        entries.append(observation(len(entries)))
    with open(os.path.join(fhir, "Observation"), "w") as f:
        json.dump(bundle(entries, len(entries)), f)

    # The big one: the same shape, streamed to the client; written chunk by chunk.
    target = big_mib * benchlib.MIB
    with open(os.path.join(fhir, "DocumentReference"), "w") as f:
        head = json.dumps(bundle([], 0))
        head = head[:head.rindex("[")]  # '... "entry": '
        f.write(head + "[")
        size = len(head) + 1
        i = 0
        while size < target:
            chunk = ("," if i else "") + json.dumps(observation(i))
            f.write(chunk)
            size += len(chunk)
            i += 1
        f.write("]}")
    return os.path.getsize(os.path.join(fhir, "DocumentReference"))


NGINX_CONF = """
worker_processes auto;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log warn;
{user}
events {{ worker_connections 4096; }}
http {{
  access_log off;
  client_body_temp_path {tmp}/nginx-tmp/body;
  proxy_temp_path {tmp}/nginx-tmp/proxy;
  fastcgi_temp_path {tmp}/nginx-tmp/fastcgi;
  uwsgi_temp_path {tmp}/nginx-tmp/uwsgi;
  scgi_temp_path {tmp}/nginx-tmp/scgi;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  keepalive_timeout 120s;
  # The static upstream, the FHIR server of every system. /r/fhir is the same content under a second base: the FHIR
  # base of the refresh workload's server, whose tokens expire within seconds.
  server {{
    listen 127.0.0.1:{upstream};
    root {www};
    default_type application/fhir+json;
    location /fhir/ {{ }}
    location /r/fhir/ {{ alias {www}/fhir/; }}
  }}
  upstream fhir {{
    server 127.0.0.1:{upstream};
    keepalive 64;
  }}
  # A plain reverse proxy with upstream keep-alive: the no-auth limit for a proxy on this machine.
  server {{
    listen 127.0.0.1:{proxy};
    location / {{
      proxy_pass http://fhir;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_max_temp_file_size 0;
    }}
  }}
}}
"""

# ------------------------------------------------------------------------------------------------ the BFF


class Bff:
    def __init__(self, name, java_opts, port, tmp, java="java", app="quarkus-app", env=None):
        self.name = name
        self.env = dict(os.environ, **env) if env else None
        self.java_opts = java_opts
        self.java = java
        self.app = app
        self.port = port
        self.tmp = tmp
        self.proc = None
        self.base = "http://127.0.0.1:%d" % port
        # Health and metrics are on Quarkus' management interface: a port of its own, on loopback like the app's.
        self.management_port = free_port()
        self.management = "http://127.0.0.1:%d" % self.management_port

    def argv(self, props, extra_opts=()):
        opts = self.java_opts.split() + list(extra_opts)
        return [self.java] + opts + ["-D%s=%s" % kv for kv in props.items()] + [
            "-jar", os.path.join(REPO, "target", self.app, "quarkus-run.jar")]


def bff_props(port, redis_port, upstream, fake, fake_refresh, key):
    props = {
        "quarkus.http.host": "127.0.0.1",
        "quarkus.http.port": str(port),
        "quarkus.redis.hosts": "redis://127.0.0.1:%d" % redis_port,
        "smart-bff.public-url": "http://127.0.0.1:%d" % port,
        "smart-bff.default-server": "main",
        "smart-bff.session.encryption-key": key,
        # The default refresh skew (60 s), longer than the refresh workload's tokens live: the cadence follows each
        # token's lifetime (its last fifth), which is what that workload measures.
    }
    for name, base, f in (("main", "http://127.0.0.1:%d/fhir" % upstream, fake),
                          ("refresh", "http://127.0.0.1:%d/r/fhir" % upstream, fake_refresh)):
        p = "smart-bff.servers.%s." % name
        props[p + "fhir-base-url"] = base
        props[p + "client-id"] = CLIENT_ID
        props[p + "scope"] = SCOPE
        props[p + "endpoints.authorization"] = f["baseUrl"] + "/oauth/authorize"
        props[p + "endpoints.token"] = f["baseUrl"] + "/oauth/token"
        props[p + "endpoints.jwks"] = f["baseUrl"] + "/oauth/jwks"
        props[p + "endpoints.revocation"] = f["baseUrl"] + "/oauth/revoke"
        props[p + "endpoints.issuer"] = f["issuer"]
    return props


def start_bff(bff, props, extra_opts=(), log_name=None):
    """Starts the BFF and returns the seconds from process start to /q/health/ready answering 200."""
    props = dict(props, **{"quarkus.management.host": "127.0.0.1",
                           "quarkus.management.port": str(bff.management_port)})
    t0 = time.monotonic()
    bff.proc = PROCS.start(bff.name, bff.argv(props, extra_opts),
                           os.path.join(bff.tmp, log_name or (bff.name + ".log")), env=bff.env)
    wait_http(bff.management + "/q/health/ready", timeout=90, proc=bff.proc)
    return time.monotonic() - t0


def cookie_from(headers, name):
    for k, v in headers:
        if k.lower() == "set-cookie" and v.startswith(name + "="):
            return v.split(";", 1)[0]
    return None


def login(bff_base, server):
    """The real standalone launch: /auth/login -> the fake's /authorize -> /auth/callback, redirects followed by hand.
    Returns the session Cookie header value."""
    status, headers, body = http_get(bff_base + "/auth/login?server=" + server)
    h = dict((k.lower(), v) for k, v in headers)
    if status not in (302, 303) or "location" not in h:
        raise RuntimeError("login: %d %s" % (status, body[:300]))
    launch_cookie = cookie_from(headers, "__Host-smart-bff-launch")
    status, headers, body = http_get(h["location"])
    h = dict((k.lower(), v) for k, v in headers)
    if status not in (302, 303):
        raise RuntimeError("authorize: %d %s" % (status, body[:300]))
    callback = urllib.parse.urljoin(bff_base, h["location"])
    status, headers, body = http_get(callback, headers={"Cookie": launch_cookie} if launch_cookie else {})
    session = cookie_from(headers, "__Host-smart-bff-session")
    if session is None:
        raise RuntimeError("callback: %d %s" % (status, body[:300]))
    return session


def login_many(bff_base, server, n):
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        return list(pool.map(lambda _: login(bff_base, server), range(n)))


# ------------------------------------------------------------------------------------------------ measurements


def redis_cli(port, *args):
    return run(["redis-cli", "-h", "127.0.0.1", "-p", str(port)] + list(args))


def wrk(url, seconds, connections, rate=0, cookies_file=None, headers=(), statuses=False, timeout="10s"):
    env = dict(os.environ)
    env["BENCH_WRK_RATE"] = str(int(rate))
    env["BENCH_WRK_THREADS"] = str(CFG["threads"])
    env["BENCH_WRK_COOKIES"] = cookies_file or ""
    env["BENCH_WRK_STATUSES"] = "1" if statuses else "0"
    argv = ["wrk", "-t", str(CFG["threads"]), "-c", str(max(connections, CFG["threads"])), "-d", "%ds" % seconds,
            "--timeout", timeout, "-s", LUA]
    for h in headers:
        argv += ["-H", h]
    argv.append(url)
    out = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=seconds + 60)
    if out.returncode != 0:
        raise RuntimeError("wrk failed: %s %s" % (out.stdout, out.stderr))
    return benchlib.parse_wrk_output(out.stdout)


def proc_status(pid):
    with open("/proc/%d/status" % pid) as f:
        return benchlib.parse_proc_status(f.read())


def jdk_tool(java, tool):
    """The JDK tool beside a JVM's java: a JVM is best inspected by its own JDK's jstat and jcmd."""
    return os.path.join(os.path.dirname(java), tool) if os.path.dirname(java) else tool


def jstat_compiled(pid, java="java"):
    return benchlib.parse_jstat_compiled(run([jdk_tool(java, "jstat"), "-compiler", str(pid)]))


def jstat_heap(pid, java="java"):
    return benchlib.parse_jstat_gc(run([jdk_tool(java, "jstat"), "-gc", str(pid)]))


def full_gc(pid, java="java"):
    run([jdk_tool(java, "jcmd"), str(pid), "GC.run"])


def stream_heap_growth(bff, cookie, path, expected_bytes):
    """Live heap growth while one 50 MB response streams to a slow client (about 10 MB/s): GC before and in the
    middle of the transfer; also the highest heap occupancy (garbage included) seen meanwhile."""
    pid, java = bff.proc.pid, bff.java
    full_gc(pid, java)
    base = jstat_heap(pid, java)["used"]
    conn = http.client.HTTPConnection("127.0.0.1", bff.port, timeout=60)
    conn.request("GET", path, headers={"Cookie": cookie, "X-CSRF": "1"})
    r = conn.getresponse()
    if r.status != 200:
        raise RuntimeError("stream: %d %s" % (r.status, r.read(300)))
    got = 0
    mid = None
    peak = base
    next_sample = time.monotonic()
    chunk = 256 * 1024
    t0 = time.monotonic()
    while True:
        data = r.read(chunk)
        if not data:
            break
        got += len(data)
        if mid is None and got >= expected_bytes * 0.4:
            full_gc(pid, java)
            mid = jstat_heap(pid, java)["used"]
        if time.monotonic() >= next_sample:
            peak = max(peak, jstat_heap(pid, java)["used"])
            next_sample = time.monotonic() + 0.2
        # ~20 MiB/s: slow enough that the BFF must hold back the upstream (it reads it several times faster).
        ahead = got / (20 * benchlib.MIB) - (time.monotonic() - t0)
        if ahead > 0:
            time.sleep(ahead)
    conn.close()
    return {"growth": None if mid is None else max(0, mid - base), "peak_used": peak, "bytes": got, "live_before": base}


# ------------------------------------------------------------------------------------------------ main


def main():
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    tmp = tempfile.mkdtemp(prefix="smart-bff-bench.")
    os.chmod(tmp, 0o755)  # nginx's workers may run as another user
    started = time.monotonic()
    try:
        return bench(tmp, started)
    finally:
        PROCS.stop_all()
        if os.environ.get("BENCH_BUILD_TMP"):
            shutil.rmtree(os.environ["BENCH_BUILD_TMP"], ignore_errors=True)
        if os.environ.get("BENCH_KEEP_TMP") == "1":
            log("temporary files kept in " + tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def bench(tmp, started):
    cp_file = CFG["classpath_file"]
    if not cp_file or not os.path.exists(cp_file):
        raise SystemExit("BENCH_TEST_CLASSPATH_FILE is not set: run bench/run, not bench.py")
    test_cp = os.path.join(REPO, "target", "test-classes") + ":" + open(cp_file).read().strip()

    ports = {k: free_port() for k in ("upstream", "proxy", "redis", "fake", "fake_stats", "fake_r", "fake_r_stats",
                                      "bff", "bff_image", "bff_probe")}
    upstream = "http://127.0.0.1:%d" % ports["upstream"]
    www = os.path.join(tmp, "www")
    big_bytes = write_fixtures(www, upstream + "/fhir", CFG["big_mib"])
    for root, dirs, files in os.walk(tmp):
        for d in dirs:
            os.chmod(os.path.join(root, d), 0o755)
        for f in files:
            os.chmod(os.path.join(root, f), 0o644)
    os.makedirs(os.path.join(tmp, "nginx-tmp"), mode=0o777)
    os.chmod(os.path.join(tmp, "nginx-tmp"), 0o777)

    # --- nginx (upstream + proxy), Redis, the two fake authorization servers
    conf = os.path.join(tmp, "nginx.conf")
    with open(conf, "w") as f:
        f.write(NGINX_CONF.format(tmp=tmp, www=www, upstream=ports["upstream"], proxy=ports["proxy"],
                                  user="user root;" if os.geteuid() == 0 else ""))
    nginx = PROCS.start("nginx", ["nginx", "-p", tmp, "-c", conf, "-e", os.path.join(tmp, "nginx-error.log"),
                                  "-g", "daemon off;"], os.path.join(tmp, "nginx.log"))
    redis = PROCS.start("redis", ["redis-server", "--bind", "127.0.0.1", "--port", str(ports["redis"]),
                                  "--save", "", "--appendonly", "no", "--dir", tmp],
                        os.path.join(tmp, "redis.log"))
    fakes = {}
    for name, port, stats, lifetime, base in (
            ("fake", ports["fake"], ports["fake_stats"], "3600s", upstream + "/fhir"),
            ("fake_r", ports["fake_r"], ports["fake_r_stats"], "%ds" % CFG["refresh_lifetime"], upstream + "/r/fhir")):
        ready = os.path.join(tmp, name + ".json")
        PROCS.start(name, ["java", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                           "-Djava.util.logging.manager=org.jboss.logmanager.LogManager",
                           "-cp", test_cp, "org.smartbff.testsupport.FakeSmartServerMain",
                           "--port", str(port), "--stats-port", str(stats), "--access-token-lifetime", lifetime,
                           "--accept-audience", base, "--ready-file", ready], os.path.join(tmp, name + ".log"))
        fakes[name] = ready
    wait_http(upstream + "/fhir/Patient/" + PATIENT_ID, proc=nginx)
    deadline = time.monotonic() + 30
    while redis.poll() is None and time.monotonic() < deadline:
        try:
            if redis_cli(ports["redis"], "PING").strip() == "PONG":
                break
        except subprocess.CalledProcessError:
            time.sleep(0.05)
    deadline = time.monotonic() + 60
    while not all(os.path.exists(p) for p in fakes.values()):
        if time.monotonic() > deadline:
            raise RuntimeError("the fake SMART servers did not start; see their logs in " + tmp)
        time.sleep(0.1)
    fake = json.load(open(fakes["fake"]))
    fake_r = json.load(open(fakes["fake_r"]))
    key = base64.b64encode(os.urandom(32)).decode()

    # --- the image's way of starting: its JVM flags (src/main/docker/Dockerfile.jvm, as run-java.sh assembles them),
    # the Helm chart's memory limit as the container's (-XX:MaxRAM: the JVM sizes its heap from it), and on JDK 25 the
    # aot-jar build with an AOT cache that a training run writes first, as the image build does.
    dockerfile = open(os.path.join(REPO, "src", "main", "docker", "Dockerfile.jvm")).read()
    container = benchlib.container_flags(open(os.path.join(REPO, "helm", "smart-bff", "values.yaml")).read())
    image_env = benchlib.image_process_env(dockerfile)
    cache = os.path.join(tmp, "app.aot")
    jdk25 = CFG["jdk25"]
    aot_app = os.path.join(REPO, "target", "quarkus-app-aot", "quarkus-run.jar")
    if jdk25 and os.path.exists(aot_app):
        image_java, image_app = os.path.join(jdk25, "bin", "java"), "quarkus-app-aot"
        image_opts = container + benchlib.image_java_opts(dockerfile, cache)
        trainee = Bff("smart-bff-aot-training", " ".join(container + benchlib.image_java_opts(dockerfile)),
                      ports["bff_probe"], tmp, image_java, image_app, image_env)
        trainee_props = bff_props(trainee.port, ports["redis"], ports["upstream"], fake, fake_r, key)
        start_bff(trainee, trainee_props, ["-XX:AOTCacheOutput=" + cache])
        train(trainee)
        PROCS.stop(trainee.proc, timeout=600)  # the JVM writes the cache on exit
        if not os.path.exists(cache):
            raise RuntimeError("the training run wrote no AOT cache; see smart-bff-aot-training.log in " + tmp)
        image_way = "JDK 25 (%s), aot-jar, AOT cache of a training run" % os.path.basename(jdk25)
    else:
        image_java, image_app = "java", "quarkus-app"
        image_opts = benchlib.without_jdk25_flags(container + benchlib.image_java_opts(dockerfile))
        image_way = ("NO JDK 25 (BENCH_JDK25_HOME) or no target/quarkus-app-aot: the image's flags on this JDK, "
                     "fast-jar, no AOT cache")
    log("the image's way: " + image_way)

    # --- startup to ready, several starts each (fresh JVMs): java -jar with default flags, and the image's way
    probe_props = bff_props(ports["bff_probe"], ports["redis"], ports["upstream"], fake, fake_r, key)
    startups = {}
    for label, probe in (("java -jar, default flags", Bff("smart-bff-startup", CFG["default_opts"], ports["bff_probe"], tmp)),
                         ("the image's way", Bff("smart-bff-startup-image", " ".join(image_opts), ports["bff_probe"],
                                                 tmp, image_java, image_app, image_env))):
        startups[label] = []
        for i in range(CFG["starts"]):
            startups[label].append(start_bff(probe, probe_props, log_name="%s-%d.log" % (probe.name, i)))
            PROCS.stop(probe.proc)
        log("startup to ready, %s: %s" % (label, ", ".join("%.2f s" % t for t in startups[label])))

    # --- the two BFFs under test: java -jar with default flags and the image's way; same Redis and key, so sessions
    # are shared
    bff = Bff("smart-bff", CFG["default_opts"], ports["bff"], tmp)
    image = Bff("smart-bff-image", " ".join(image_opts), ports["bff_image"], tmp, image_java, image_app, image_env)
    for b in (bff, image):
        start_bff(b, bff_props(b.port, ports["redis"], ports["upstream"], fake, fake_r, key))
    log("smart-bff pid %d, smart-bff-image pid %d (%s)" % (bff.proc.pid, image.proc.pid, image.java_opts))
    if CFG["jfr"]:
        # The first JFR recording of a JVM deoptimises compiled code (GET Patient fell from ~9,000 to ~2,000 req/s
        # and stayed low for a while after it stopped); later ones cost ~10 %. So record once, briefly, before the
        # warm-up: the JFR phase at the end then profiles a warm BFF.
        run(["jcmd", str(bff.proc.pid), "JFR.start", "name=prime", "settings=profile"])
        time.sleep(1)
        run(["jcmd", str(bff.proc.pid), "JFR.stop", "name=prime"])

    t = time.monotonic()
    main_cookie = login(bff.base, "main")
    refresh_cookie = login(bff.base, "refresh")
    many = login_many(bff.base, "main", CFG["sessions"])
    log("%d sessions logged in in %.1f s" % (CFG["sessions"] + 2, time.monotonic() - t))
    cookies_file = os.path.join(tmp, "cookies.txt")
    with open(cookies_file, "w") as f:
        f.write("\n".join(many) + "\n")
    one_cookie_file = os.path.join(tmp, "cookie-main.txt")
    with open(one_cookie_file, "w") as f:
        f.write(main_cookie + "\n")

    if os.environ.get("BENCH_HOLD") == "1":
        # For probing by hand: everything stays up until this process gets SIGINT/SIGTERM.
        hold = os.path.join(tmp, "hold.env")
        with open(hold, "w") as f:
            f.write("UPSTREAM=%s\nPROXY=http://127.0.0.1:%d\nBFF=%s\nBFF_IMAGE=%s\nBFF_PID=%d\nREDIS_PORT=%d\n"
                    "MAIN_COOKIE='%s'\nREFRESH_COOKIE='%s'\nCOOKIES_FILE=%s\nPATIENT_ID=%s\n" % (
                        upstream, ports["proxy"], bff.base, image.base, bff.proc.pid, ports["redis"], main_cookie,
                        refresh_cookie, cookies_file, PATIENT_ID))
        log("holding; variables in " + hold)
        while True:
            time.sleep(3600)

    patient = "/fhir/Patient/" + PATIENT_ID
    search = "/fhir/Observation?patient=" + PATIENT_ID
    big = "/fhir/DocumentReference?patient=" + PATIENT_ID
    targets = {"direct": upstream, "nginx": "http://127.0.0.1:%d" % ports["proxy"],
               "smart-bff": bff.base, "smart-bff-image": image.base}
    bffs = {"smart-bff": bff, "smart-bff-image": image}

    # Sanity: every system answers every path, and the BFF rewrote the upstream's URLs.
    for system, base in targets.items():
        for path in (patient, search):
            status, _, body = http_get(base + path, headers={"Cookie": main_cookie, "X-CSRF": "1"})
            if status != 200:
                raise RuntimeError("%s %s: %d %s" % (system, path, status, body[:300]))
            if system.startswith("smart-bff") and path == search and upstream.encode() in body:
                raise RuntimeError("%s did not rewrite the upstream URLs" % system)

    csrf = "X-CSRF: 1"
    workloads = [
        ("patient", "GET Patient (~2 KB), one session.",
         list(SYSTEMS_ALL), patient, {"headers": [csrf, "Cookie: " + main_cookie]}),
        ("bundle", "GET a ~60 KB searchset Bundle whose absolute URLs smart-bff rewrites (nginx passes them as they "
                   "are).", ["direct", "nginx", "smart-bff", "smart-bff-image"], search,
         {"headers": [csrf, "Cookie: " + main_cookie]}),
        ("refresh", "GET Patient with a session whose access token lives %d s (default refresh skew, 60 s): "
                    "smart-bff refreshes it under load, in the last fifth of its life. direct/nginx: the same request, "
                    "nothing to refresh. Statuses are counted." % CFG["refresh_lifetime"], ["direct", "nginx", "smart-bff"], patient,
         {"headers": [csrf, "Cookie: " + refresh_cookie], "statuses": True}),
        ("sessions", "GET Patient, each request with the next of %d sessions (round-robin in the wrk script): the "
                     "cost of session lookups that are not one hot key. Statuses are counted." % CFG["sessions"],
         ["direct", "nginx", "smart-bff", "smart-bff-image"], patient,
         {"headers": [csrf], "cookies": cookies_file, "statuses": True}),
        ("stream", "GET a %.0f MiB searchset Bundle, streamed and rewritten, %d connections."
         % (big_bytes / benchlib.MIB, CFG["stream_connections"]), list(SYSTEMS_ALL), big,
         # Its own warm-up: until C2 has compiled the rewriter's loop for long bodies, some of the first 50 MB
         # streams take seconds instead of ~0.2 s.
         {"headers": [csrf, "Cookie: " + main_cookie], "connections": CFG["stream_connections"], "timeout": "60s",
          "warmup": True}),
    ]
    selected = os.environ.get("BENCH_WORKLOADS")
    if selected:
        workloads = [w for w in workloads if w[0] in selected.split(",")]

    # --- warm-up: connection pools of every system, and the JIT of the BFFs (on 2 cores their throughput only
    # levels off after some 20 s of load: C2 compiles while the load runs)
    warmups = {}
    for system, base in targets.items():
        if system not in bffs:
            for path in (patient, search):
                wrk(base + path, 1, CFG["connections"], headers=[csrf, "Cookie: " + main_cookie])
            continue
        kinds = [(base + patient, None, [csrf, "Cookie: " + main_cookie]), (base + patient, cookies_file, [csrf]),
                 (base + search, None, [csrf, "Cookie: " + main_cookie])]
        seconds, history = warm_up(kinds, bffs[system])
        warmups[system] = "%d s; req/s of the 2 s runs: %s" % (seconds, " ".join("%.0f" % r for r in history))
        log("%s warmed up in %s" % (system, warmups[system]))

    measurements = []
    refresh_counts = {"grants": 0, "token_requests": 0, "bff_seconds": 0.0, "runs": 0}

    def measure(workload, system, mode, path, opts, rate=0):
        base = targets[system]
        is_bff = system in bffs
        before_redis = benchlib.parse_commandstats(redis_cli(ports["redis"], "INFO", "commandstats"))
        before_fake = json.loads(http_get(fake_r["statsUrl"])[2]) if workload == "refresh" else None
        server = bffs[system].proc.pid if is_bff else nginx.pid
        before_cpu = process_tree_ticks(server) if server else None
        before_sys = process_tree_ticks(server, kernel_only=True) if server else None
        m = wrk(base + path, CFG["duration"], opts.get("connections", CFG["connections"]), rate=rate,
                cookies_file=opts.get("cookies"), headers=opts.get("headers", ()), statuses=opts.get("statuses"),
                timeout=opts.get("timeout", "10s"))
        after_redis = benchlib.parse_commandstats(redis_cli(ports["redis"], "INFO", "commandstats"))
        if server:
            # nginx (direct and proxy) counts its master and workers, which serve the proxy and the upstream alike.
            m["cpu_us_per_request"] = benchlib.cpu_us_per_request(process_tree_ticks(server) - before_cpu,
                                                                  os.sysconf("SC_CLK_TCK"), m["requests"])
            m["sys_us_per_request"] = benchlib.cpu_us_per_request(
                process_tree_ticks(server, kernel_only=True) - before_sys, os.sysconf("SC_CLK_TCK"), m["requests"])
        m.update(workload=workload, system=system, mode=mode, offered=rate or None)
        if is_bff:
            diff = benchlib.commandstats_diff(before_redis, after_redis)
            m["redis_commands"] = diff
            m["redis_per_request"] = benchlib.per_request(sum(diff.values()), m["requests"])
            m["redis_per_request_steady"] = benchlib.steady_per_request(
                sum(diff.values()), m["requests"], opts.get("connections", CFG["connections"]))
        if before_fake is not None and is_bff:
            after_fake = json.loads(http_get(fake_r["statsUrl"])[2])
            refresh_counts["grants"] += after_fake["refreshGrants"] - before_fake["refreshGrants"]
            refresh_counts["token_requests"] += after_fake["tokenRequests"] - before_fake["tokenRequests"]
            refresh_counts["bff_seconds"] += m["seconds"]
            refresh_counts["runs"] += 1
        measurements.append(m)
        log("%-8s %-15s %-10s %8.0f req/s  p50 %6.2f  p99 %7.2f ms  non-2xx %d  errors %d%s%s" % (
            workload, system, mode + ("@%d" % rate if rate else ""), m["rps"], m["p50"], m["p99"], m["non2xx"],
            m["socket_errors"], "  redis/req %.3f" % m["redis_per_request"] if is_bff else "",
            "  CPU %s µs/req" % benchlib.fmt(m.get("cpu_us_per_request"), 1) if server else ""))
        return m

    for name, _, systems, path, opts in workloads:
        if opts.get("warmup"):
            for system in systems:
                wrk(targets[system] + path, CFG["warmup"] if system in bffs else 1, opts["connections"],
                    headers=opts["headers"], timeout=opts["timeout"])
        for r in range(CFG["rounds"]):
            for system in systems:
                measure(name, system, "saturation", path, opts)
        rate, _ = benchlib.half_own_max_rate(measurements, name)
        for r in range(CFG["rounds"]):
            for system in systems:
                measure(name, system, "fixed", path, opts, rate=rate)

    # --- memory: peak RSS and heap after the load, then live heap growth while one big response streams
    memory = {}
    for system, b in bffs.items():
        status = proc_status(b.proc.pid)
        heap = jstat_heap(b.proc.pid, b.java)
        memory[system] = {"hwm": status.get("VmHWM"), "rss": status.get("VmRSS"), "heap": heap}
    for system, b in bffs.items():
        s = stream_heap_growth(b, main_cookie, big, big_bytes)
        memory[system].update(stream=s)
        log("%s: peak RSS %s MiB, heap used after load %s MiB, 50 MB stream live growth %s MiB (peak used %s MiB)" % (
            system, benchlib.mib(memory[system]["hwm"]), benchlib.mib(memory[system]["heap"]["used"]),
            benchlib.mib(s["growth"]), benchlib.mib(s["peak_used"])))

    # --- JFR on the default-flags BFF: allocation per request and hot frames, per workload
    jfr_sections = {}
    if CFG["jfr"]:
        for label, path, headers in (("GET Patient", patient, [csrf, "Cookie: " + main_cookie]),
                                     ("GET 60 KB Bundle (rewritten)", search, [csrf, "Cookie: " + main_cookie])):
            jfr_file = os.path.join(tmp, "bench-%d.jfr" % len(jfr_sections))
            run(["jcmd", str(bff.proc.pid), "JFR.start", "name=bench", "settings=profile", "filename=" + jfr_file])
            m = wrk(bff.base + path, CFG["duration"], CFG["connections"], headers=headers)
            run(["jcmd", str(bff.proc.pid), "JFR.stop", "name=bench"])
            jfr_sections[label] = jfr_summary(jfr_file, m["requests"])
            jfr_sections[label]["rps"] = m["rps"]
            log("JFR %s: %s bytes allocated per request" % (label, benchlib.fmt(jfr_sections[label]["alloc_per_request"], 0)))

    # --- results
    agg = benchlib.aggregate(measurements)
    patient_bff = agg.get(("patient", "smart-bff", "saturation"), {})
    per_lifetime, per_lifetime_steady = benchlib.refreshes_per_lifetime(
        refresh_counts["grants"], refresh_counts["runs"], refresh_counts["bff_seconds"], CFG["refresh_lifetime"])
    extra = {
        "refreshes_per_lifetime": per_lifetime_steady,
        "redis_per_request": patient_bff.get("redis_per_request_steady"),
        "stream_heap_growth": memory["smart-bff"]["stream"]["growth"],
        "rss_peak": memory["smart-bff-image"]["hwm"],
        "startup_median": benchlib.median(startups["the image's way"]),
    }
    target_rows = benchlib.evaluate_targets(agg, extra)
    ratios = benchlib.ratio_lines(agg, target_rows)

    os.makedirs(CFG["out"], exist_ok=True)
    stamp = datetime.datetime.now().strftime("%Y-%m-%d-%H%M")
    md_path = os.path.join(CFG["out"], stamp + ".md")
    png_name = stamp + ".png"
    workload_names = [w[0] for w in workloads]
    thr, lat = benchlib.plot_data(agg, workload_names)
    thr_file, lat_file = os.path.join(tmp, "throughput.dat"), os.path.join(tmp, "latency.dat")
    open(thr_file, "w").write(thr)
    open(lat_file, "w").write(lat)
    gp = os.path.join(tmp, "plot.gp")
    open(gp, "w").write(benchlib.gnuplot_script(thr_file, lat_file, os.path.join(CFG["out"], png_name),
                                                title="smart-bff bench " + stamp))
    run(["gnuplot", gp])

    refresh_rows = []
    if refresh_counts["bff_seconds"]:
        rf = [agg[k] for k in agg if k[0] == "refresh" and k[1] == "smart-bff"]
        refresh_rows = [
            ["access-token lifetime / refresh skew", "%d s / 60 s (default)" % CFG["refresh_lifetime"]],
            ["seconds of smart-bff load (runs)", "%.0f (%d)" % (refresh_counts["bff_seconds"], refresh_counts["runs"])],
            ["refresh grants at the fake (successful)", str(refresh_counts["grants"])],
            ["refreshes per token lifetime of load", benchlib.fmt(per_lifetime)],
            ["refreshes per token lifetime, steady (without the first of each run: its token expired while the "
             "session sat idle between runs)", benchlib.fmt(per_lifetime_steady)],
            ["token endpoint calls", str(refresh_counts["token_requests"])],
            ["proxied requests", str(sum(a["requests"] for a in rf))],
            ["non-2xx responses", str(sum(a["non2xx"] for a in rf))],
            ["statuses", benchlib.status_text(benchlib._sum_dicts([a["statuses"] for a in rf]))],
        ]
    memory_rows = []
    for system, b in bffs.items():
        mm = memory[system]
        memory_rows.append([system, "`%s`" % (b.java_opts or "(defaults)"), benchlib.mib(mm["hwm"]),
                            benchlib.mib(mm["rss"]), benchlib.mib(mm["heap"]["used"]),
                            benchlib.mib(mm["stream"]["live_before"]),
                            benchlib.mib(mm["heap"]["committed"]), benchlib.mib(mm["stream"]["growth"]),
                            benchlib.mib(mm["stream"]["peak_used"])])
    jfr_ctx = {}
    for label, s in jfr_sections.items():
        jfr_ctx[label] = {"requests": s["requests"], "rps": s["rps"], "samples": s["samples"],
                          "alloc_per_request": s["alloc_per_request"], "tables": [
            ("Top CPU frames (jdk.ExecutionSample, top frame)", s["cpu_top"]),
            ("Top CPU, first org.smartbff frame on the stack", s["cpu_app"]),
            ("Top allocation sites (jdk.ObjectAllocationSample by weight, top frame)", s["alloc_top"]),
            ("Top allocation, first org.smartbff frame on the stack", s["alloc_app"]),
            ("Top allocated classes", s["alloc_classes"]),
        ]}
    ctx = {
        "title": "smart-bff bench " + stamp,
        "environment": environment() + [["smart-bff-image", "%s; JVM options `%s`; environment %s" % (
            image_way, image.java_opts, image_env or "-")]]
        + [["warm-up " + k, v] for k, v in warmups.items()],
        "method": method_lines(),
        "agg": agg,
        "workloads": [(w[0], w[1]) for w in workloads],
        "refresh": refresh_rows,
        "memory": memory_rows,
        "startup": [["the image's way", image_way]] + [
            row for label, times in startups.items() for row in (
                ["starts, " + label, ", ".join("%.2f s" % t for t in times)],
                ["median, " + label, "%.2f s" % benchlib.median(times)])],
        "jfr": jfr_ctx,
        "targets": target_rows,
        "ratios": ratios,
        "png": png_name,
    }
    with open(md_path, "w") as f:
        f.write(benchlib.render_markdown(ctx))
    log("results: %s (%.0f s in all)" % (os.path.relpath(md_path, REPO), time.monotonic() - started))
    print()
    print("smart-bff / nginx")
    for line in ratios:
        print(line)
    return 0


SYSTEMS_ALL = benchlib.SYSTEMS


def process_tree_ticks(pid, kernel_only=False):
    """utime+stime (or stime alone) of a process and its children (nginx's workers), in clock ticks."""
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as f:
                stat = f.read()
        except OSError:
            continue
        if int(entry) == pid or int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            total += benchlib.cpu_ticks_split(stat)[1] if kernel_only else benchlib.cpu_ticks(stat)
    return total


def train(bff):
    """The AOT cache's training workload, through the real parts: a login at the fake, GET Patient and the Bundle
    (session read, scope check, proxy, URL rewriting, audit), the session endpoint and the management endpoints."""
    cookie = login(bff.base, "main")
    headers = {"Cookie": cookie, "X-CSRF": "1"}
    for i in range(300):
        for path in ("/fhir/Patient/" + PATIENT_ID, "/fhir/Observation?patient=" + PATIENT_ID):
            status, _, body = http_get(bff.base + path, headers=headers)
            if status != 200:
                raise RuntimeError("training %s: %d %s" % (path, status, body[:300]))
    http_get(bff.base + "/auth/session", headers=headers)
    for path in ("/q/health/ready", "/q/metrics"):
        http_get(bff.management + path)


def warm_up(kinds, bff, step=2):
    """Load a BFF in 2-second runs, cycling through the kinds of request, until each kind's throughput has stopped
    rising (benchlib.plateaued) and the JIT has gone quiet (benchlib.jit_quiet), or BENCH_WARMUP_MAX seconds have
    passed: on 2 cores C2 keeps compiling, and throughput keeps rising, for 30 s or more of one kind of load."""
    seen = {}
    history = []
    compiled = [jstat_compiled(bff.proc.pid, bff.java)]
    spent = 0
    i = 0
    while spent < CFG["warmup_max"]:
        url, cookies, headers = kinds[i % len(kinds)]
        m = wrk(url, step, CFG["connections"], cookies_file=cookies, headers=headers)
        spent += step
        history.append(m["rps"])
        compiled.append(jstat_compiled(bff.proc.pid, bff.java))
        seen.setdefault(i % len(kinds), []).append(m["rps"])
        i += 1
        if benchlib.plateaued(seen, len(kinds)) and benchlib.jit_quiet(compiled):
            break
    return spent, history


def jfr_summary(path, requests):
    # One `jfr print` (one JVM start) for all the event types; deep stacks, to find the first org.smartbff frame.
    events = json.loads(run(["jfr", "print", "--json", "--stack-depth", "32", "--events",
                             "jdk.ThreadAllocationStatistics,jdk.ExecutionSample,jdk.ObjectAllocationSample,"
                             "jdk.NativeMethodSample", path]))
    alloc_stats = cpu = alloc = native = events
    return {
        "requests": requests,
        "samples": "%d in Java code (jdk.ExecutionSample), %d in native methods (jdk.NativeMethodSample)" % (
            benchlib.count_events(cpu, "jdk.ExecutionSample"), benchlib.count_events(native, "jdk.NativeMethodSample")),
        "alloc_per_request": benchlib.allocation_per_request(alloc_stats, requests),
        "cpu_top": benchlib.top_frames(cpu, "jdk.ExecutionSample", 12),
        "cpu_app": benchlib.top_frames(cpu, "jdk.ExecutionSample", 12, prefix="org.smartbff."),
        "alloc_top": benchlib.top_frames(alloc, "jdk.ObjectAllocationSample", 12, weight_field="weight"),
        "alloc_app": benchlib.top_frames(alloc, "jdk.ObjectAllocationSample", 12, weight_field="weight",
                                         prefix="org.smartbff."),
        "alloc_classes": benchlib.top_allocated_classes(alloc, 10),
    }


def first_line(argv):
    try:
        out = subprocess.run(argv, capture_output=True, text=True)
        return (out.stdout + out.stderr).strip().splitlines()[0]
    except (OSError, IndexError):
        return "?"


def environment():
    mem = "?"
    try:
        with open("/proc/meminfo") as f:
            mem = "%.1f GiB" % (int(f.readline().split()[1]) / 1024 / 1024)
    except OSError:
        pass
    commit = first_line(["git", "-C", REPO, "log", "-1", "--format=%h %s"])
    dirty = subprocess.run(["git", "-C", REPO, "status", "--porcelain", "--", ".", ":!bench/results"],
                           capture_output=True, text=True).stdout.strip()
    if dirty:
        commit += " (with uncommitted changes)"
    return [
        ["commit", commit],
        ["machine", "%s, %d cores, %s" % (platform.platform(), os.cpu_count(), mem)],
        ["java", first_line(["java", "-version"])],
        ["nginx / wrk / redis", "%s / %s / %s" % (first_line(["nginx", "-v"]), first_line(["wrk", "--version"]),
                                                  first_line(["redis-server", "--version"]))],
        ["rounds × seconds", "%d × %d s per system, mode and workload (A B A B order)" % (CFG["rounds"],
                                                                                      CFG["duration"])],
        ["wrk", "-t%d -c%d (stream: -c%d), lua script bench/wrk/bench.lua" % (
            CFG["threads"], CFG["connections"], CFG["stream_connections"])],
        ["sessions (sessions workload)", str(CFG["sessions"])],
    ]


def method_lines():
    return [
        "All processes on 127.0.0.1 of one machine, none pinned with taskset: with 2 cores, pinning wrk to one and "
        "the server to the other would halve the server and favour single-process nginx; unpinned, the load "
        "generator takes CPU from every system alike. Figures are relative: compare ratios, not absolutes.",
        "direct = the static nginx upstream; nginx = a plain proxy_pass with upstream keep-alive (no auth, no "
        "rewriting); smart-bff = the packaged jar run as `java -jar` with default JVM flags; smart-bff-image = "
        "the container image's way: its JVM flags (src/main/docker/Dockerfile.jvm, with run-java.sh's GC and heap "
        "ratios, and its MALLOC_ARENA_MAX), -XX:MaxRAM and -XX:ActiveProcessorCount = the Helm chart's memory and "
        "CPU limits (what the JVM reads from a container's cgroup), and on JDK 25 the aot-jar build started from an AOT "
        "cache that a training run (login, GET Patient, the Bundle, health) wrote first.",
        "saturation = wrk with %d connections as fast as they go; fixed = an offered rate of 50 %% of smart-bff's "
        "own median saturation throughput of the same workload, for every system, paced by a wrk Lua delay() per "
        "thread (Debian has no wrk2). Latency is measured from the actual send, so it hides coordinated omission: a "
        "system that cannot keep the rate shows a lower req/s than offered rather than a long tail." % CFG["connections"],
        "CPU µs/req = the server's utime+stime from /proc/<pid>/stat over the run ÷ requests (nginx: master and "
        "workers, which serve both the proxy and the upstream: nginx as a proxy alone costs about its figure minus "
        "direct's); 'of it in the kernel' = stime alone, the system calls made on the process's behalf (socket reads "
        "and writes, epoll), which no user-space change removes.",
        "Each cell is the median over rounds; rounds alternate the systems (direct, nginx, smart-bff, ...) so "
        "drift in the machine hits all of them.",
        "Redis cmds/req = INFO commandstats difference over the run ÷ requests (the bench's own INFO excluded).",
        "Memory: VmHWM/VmRSS from /proc after all the load; heap from jstat -gc. 50 MB stream: one response read "
        "at ~20 MiB/s; live heap growth = heap used after a full GC in the middle of the transfer minus after a "
        "full GC before it.",
        "JFR (settings=profile) on the default-flags smart-bff after the measurements, one extra saturation run "
        "per profiled workload (a 1 s recording before the warm-up takes the one-off deoptimisation of a JVM's first "
        "recording out of it): allocation/request from jdk.ThreadAllocationStatistics at the recording's start "
        "and end ÷ requests.",
    ]


if __name__ == "__main__":
    sys.exit(main())
