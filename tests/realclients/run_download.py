#!/usr/bin/python3
"""Real BitTorrent clients download a file whose only peer source is swarmkeeperd.

One case per run (ctest runs each case as its own test, see CMakeLists.txt):

    /usr/bin/python3 run_download.py --tracker path/to/swarmkeeperd --case aria2-http [--keep]

The script starts swarmkeeperd on ephemeral loopback ports with a temporary data directory,
creates two users through the admin API ("seeder" and "leecher": the tracker never returns a
user's own peers, so they must differ), makes a random payload (13 pieces, the last one
short), builds a private v1 torrent with libtorrent (one .torrent per user: identical info
dict, so one info_hash, and an announce URL with that user's passkey), registers the
info_hash, seeds from an in-process libtorrent session and lets a real client download.
DHT, LSD, PEX and UPnP/NAT-PMP are off in every client and the torrent is private, so the
tracker is the only way the peers can meet.

Checks, all through real interfaces: the downloaded file's SHA-256 is the payload's; the
peer that dialled got the other's address from a tracker reply (libtorrent's alerts and
summaries); the seeder uploaded the whole payload; the admin API counted the seeder, the
leecher and the leecher's `completed` event, and after a clean stop 1 seeder, 0 leechers.
Then the accounting: the seeder stops too (its stopped announce reports its final totals;
the leecher's last report is its stopped announce, or transmission's completed one),
POST /admin/stats/flush commits the credits and GET /admin/users/<id> shows them. The
tracker credits the growth of a peer's reported totals and takes a peer's first announce as
a baseline only (computeCredit in server/core/accounting.cpp); every client here starts from
0, so a user's credit is bounded by its client's last report. The seeder's `uploaded` and
the leecher's `downloaded` must lie between the payload less one piece and that report (a
credit lost or counted twice fails): the libtorrent leecher's own totals, or for aria2 and
transmission, whose totals the script cannot read, the seeder's, their only peer. The
leecher's `uploaded` may not exceed what it reported (0 here), the seeder's `downloaded` must
be 0, and in aria2-udp-refused nobody is credited anything.

Cases:
  aria2-http         aria2c leecher, http://127.0.0.1:P/<passkey>/announce
  transmission-http  transmission-cli leecher, HTTP
  libtorrent-http    libtorrent leecher (its own process), HTTP
  libtorrent-udp     libtorrent leecher, udp://127.0.0.1:P/<passkey>/announce (BEP 41 data
                     carries "/<passkey>/announce")
  aria2-udp-refused  aria2c over UDP is refused with "missing passkey" and gets no peers:
                     aria2 1.36 sends a bare 100-byte BEP 15 announce without BEP 41 URL data
                     (createUDPTrackerAnnounce() in aria2's src/UDPTrackerClient.cc:
                     "extensions is always 0"), so its passkey cannot reach any tracker.
  aria2-udp          the download attempt itself; fails for the reason above (not in ctest).
The seeder announces over the same protocol as the leecher.

Client quirks worked around (none hides a tracker problem):
- libtorrent 2.0 refuses trackers on loopback addresses unless the path is exactly
  "/announce" (ssrf_mitigation); it is off here since the test tracker is on 127.0.0.1.
- libtorrent keeps UDP tracker connection ids in a process-wide cache, so the libtorrent
  leecher runs in its own process (a second in-process session would reuse the seeder's
  connection id from another port, which the tracker rightly refuses).
- aria2 talks to UDP trackers only through its DHT socket, so aria2 over UDP runs with
  --enable-dht=true; aria2 never uses the DHT for a private torrent and this DHT has no
  nodes to bootstrap from.
- transmission-cli 3.00 drops tracker peers on 127.0.0.0/8 ("martian" addresses), so it
  cannot dial the seeder here. Once the tracker lists transmission as a leecher, the seeder
  re-announces (ignoring min interval), gets transmission's address from the tracker and
  dials it: the tracker is still the only peer source. transmission-cli also exits without
  sending its stopped event, so that case skips the after-stop check.
- With --seed-time=0 aria2 never sends `completed` (only `stopped` with left=0), so aria2
  seeds on and its --on-bt-download-complete hook signals the completed download.

Needs Debian's python3-libtorrent (importable from /usr/bin/python3), aria2 and
transmission-cli (scripts/deps.sh installs them). Exit status 0 on success, 1 on failure
with diagnostics (tracker output, client logs, libtorrent alerts, admin counts) on stdout.
Debugging aid: SK_REALCLIENTS_TRACKER_WRAPPER="strace -f -o /tmp/t.strace" runs the tracker
under a wrapper command.
"""

import argparse
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

try:
    import libtorrent as lt
except ImportError:
    print("run_download.py: libtorrent is not importable from %s; use /usr/bin/python3 "
          "with Debian's python3-libtorrent (scripts/deps.sh installs it)" % sys.executable)
    sys.exit(1)

CASES = {
    # name: (announce protocol, leecher client, expected outcome)
    "aria2-http": ("http", "aria2", "download"),
    "aria2-udp": ("udp", "aria2", "download"),  # fails: aria2 sends no BEP 41 URL data
    "aria2-udp-refused": ("udp", "aria2", "refused"),
    "transmission-http": ("http", "transmission", "download"),
    "libtorrent-http": ("http", "libtorrent", "download"),
    "libtorrent-udp": ("udp", "libtorrent", "download"),
}

ADMIN_TOKEN = "sk_realclients_" + os.urandom(12).hex()
PAYLOAD_SIZE = 3 * 1024 * 1024 + 12345  # several pieces, the last one short
PIECE_SIZE = 256 * 1024
CASE_BUDGET = 110.0  # seconds for the whole case
TRACKER_START_TIMEOUT = 15.0
SEED_READY_TIMEOUT = 20.0
DOWNLOAD_TIMEOUT = 60.0
COMPLETED_TIMEOUT = 10.0


class CaseFailure(Exception):
    pass


def _die_with_parent():
    """preexec_fn: SIGKILL the child when this script dies, even by SIGKILL (ctest timeout),
    so no tracker or client outlives its case."""
    try:
        import ctypes
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except Exception:  # noqa: BLE001 - best effort
        pass


def log(msg):
    print("[%7.2fs] %s" % (time.monotonic() - T0, msg), flush=True)


T0 = time.monotonic()


def free_port():
    """A port free for both TCP and UDP on 127.0.0.1 (BitTorrent clients use both)."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as t:
            t.bind(("127.0.0.1", 0))
            port = t.getsockname()[1]
            try:
                with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
                    u.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise CaseFailure("no free port found")


def tail(path, lines=60):
    try:
        with open(path, "r", errors="replace") as f:
            data = f.readlines()
    except OSError as e:
        return "(cannot read %s: %s)" % (path, e)
    return "".join(data[-lines:])


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


# --------------------------------------------------------------------------------------------
# swarmkeeperd


class Tracker:
    def __init__(self, binary, workdir):
        self.binary = binary
        self.data_dir = os.path.join(workdir, "trackerdata")
        os.makedirs(self.data_dir)
        self.proc = None
        self.lines = []
        self.http_port = self.udp_port = self.admin_port = None
        self._ready = threading.Event()

    def start(self):
        env = dict(os.environ)
        env["SWARMKEEPER_ADMIN_TOKEN"] = ADMIN_TOKEN
        cmd = [self.binary, "--data-dir", self.data_dir, "--http-port", "0", "--udp-port", "0",
               "--admin-port", "0", "--bind", "127.0.0.1", "--workers", "1"]
        cmd = os.environ.get("SK_REALCLIENTS_TRACKER_WRAPPER", "").split() + cmd
        log("starting tracker: %s" % " ".join(cmd))
        self.proc = subprocess.Popen(cmd, env=env, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     start_new_session=True,
                                     preexec_fn=_die_with_parent)
        threading.Thread(target=self._read, daemon=True).start()
        if not self._ready.wait(TRACKER_START_TIMEOUT):
            raise CaseFailure("tracker did not print its listening line within %.0f s"
                              % TRACKER_START_TIMEOUT)
        if self.http_port is None:
            raise CaseFailure("tracker exited before listening (status %s)" % self.proc.poll())
        log("tracker listening http=%d udp=%d admin=%d"
            % (self.http_port, self.udp_port, self.admin_port))

    def _read(self):
        pattern = re.compile(r"swarmkeeperd: listening http=(\d+) udp=(\d+) admin=[^:\s]+:(\d+)")
        for raw in self.proc.stdout:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            self.lines.append(line)
            m = pattern.search(line)
            if m and not self._ready.is_set():
                self.http_port, self.udp_port, self.admin_port = map(int, m.groups())
                self._ready.set()
        self._ready.set()  # exited

    def announce_url(self, proto, passkey):
        port = self.http_port if proto == "http" else self.udp_port
        return "%s://127.0.0.1:%d/%s/announce" % (proto, port, passkey)

    def admin(self, method, path, body=None, expect=(200,)):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request("http://127.0.0.1:%d%s" % (self.admin_port, path),
                                     data=data, method=method)
        req.add_header("Authorization", "Bearer " + ADMIN_TOKEN)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=5) as resp:
                status, payload = resp.status, resp.read()
        except urllib.error.HTTPError as e:
            status, payload = e.code, e.read()
        if status not in expect:
            raise CaseFailure("admin %s %s -> %d %s" % (method, path, status,
                                                          payload.decode("utf-8", "replace")))
        return json.loads(payload) if payload else None

    def torrent_counts(self, info_hash):
        t = self.admin("GET", "/admin/torrents/" + info_hash)
        return {k: t.get(k) for k in ("seeders", "leechers", "completed")}

    def stop(self):
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(5)


# --------------------------------------------------------------------------------------------
# torrent


def make_torrents(workdir, urls):
    """Random payload plus one .torrent per announce URL, all with the same info dict."""
    src = os.path.join(workdir, "seed")
    os.makedirs(src)
    name = "payload-%s.bin" % os.urandom(4).hex()
    path = os.path.join(src, name)
    payload = os.urandom(PAYLOAD_SIZE)
    with open(path, "wb") as f:
        f.write(payload)
    digest = hashlib.sha256(payload).hexdigest()

    fs = lt.file_storage()
    lt.add_files(fs, path)
    ct = lt.create_torrent(fs, PIECE_SIZE, lt.create_torrent.v1_only)
    ct.set_priv(True)
    ct.set_creator("swarmkeeper realclients test")
    ct.add_tracker("http://placeholder.invalid/announce")
    lt.set_piece_hashes(ct, src)
    entry = ct.generate()
    info = entry[b"info"]
    if info.get(b"private") != 1:
        raise CaseFailure("generated torrent is not private: %r" % info.get(b"private"))
    info_hash = hashlib.sha1(lt.bencode(info)).hexdigest()

    files = {}
    for who, url in urls.items():
        e = dict(entry)
        e.pop(b"announce-list", None)
        e[b"announce"] = url.encode()
        tpath = os.path.join(workdir, "%s.torrent" % who)
        with open(tpath, "wb") as f:
            f.write(lt.bencode(e))
        # The client's view of the info_hash must be ours.
        got = str(lt.torrent_info(tpath).info_hashes().v1)
        if got != info_hash:
            raise CaseFailure("info_hash mismatch for %s: libtorrent %s, ours %s"
                              % (tpath, got, info_hash))
        files[who] = tpath
    return src, name, digest, info_hash, files


# --------------------------------------------------------------------------------------------
# libtorrent sessions


def lt_session(port):
    settings = {
        "listen_interfaces": "127.0.0.1:%d" % port,
        "outgoing_interfaces": "",
        "enable_dht": False,
        "enable_lsd": False,
        "enable_upnp": False,
        "enable_natpmp": False,
        "anonymous_mode": False,
        # Dial peers over TCP: transmission-cli 3.00 is very slow over uTP on loopback.
        "enable_outgoing_utp": False,
        # libtorrent 2.0 refuses a tracker on a loopback address unless its path is exactly
        # "/announce" ("blocked by SSRF mitigation"); passkey URLs are "/<passkey>/announce".
        # Only loopback trackers are affected, which is what this test runs.
        "ssrf_mitigation": False,
        "allow_multiple_connections_per_ip": True,  # every peer is 127.0.0.1
        "announce_to_all_trackers": True,
        "announce_to_all_tiers": True,
        "alert_mask": (lt.alert_category.error | lt.alert_category.peer
                       | lt.alert_category.status | lt.alert_category.tracker
                       | lt.alert_category.connect | lt.alert_category.storage),
        "user_agent": "swarmkeeper-realclients/1.0 libtorrent/" + lt.__version__,
    }
    return lt.session(settings)


class LtClient:
    """One libtorrent session with one torrent; records its alerts for diagnostics."""

    def __init__(self, role, torrent_file, save_path, port=None, verbose=False):
        self.role = role
        self.verbose = verbose  # log every alert, not only tracker/peer/finish ones
        self.port = port or free_port()
        self.ses = lt_session(self.port)
        self.alerts = []
        self.tracker_replies = 0
        self.tracker_errors = []
        self.finished = False
        self.max_tracker_peers = 0
        self.stop_sent = False  # the stopped announce went out
        self.stop_replied = False  # and the tracker answered it
        self.connections = []  # (direction, "ip:port") from peer_connect_alert
        atp = lt.add_torrent_params()
        atp.ti = lt.torrent_info(torrent_file)
        atp.save_path = save_path
        atp.flags = (lt.torrent_flags.disable_dht | lt.torrent_flags.disable_lsd
                     | lt.torrent_flags.disable_pex)  # not auto-managed, not paused
        self.handle = self.ses.add_torrent(atp)
        log("%s: libtorrent %s listening on 127.0.0.1:%d" % (role, lt.__version__, self.port))

    def pump(self):
        for a in self.ses.pop_alerts():
            text = "%s: %s: %s" % (self.role, type(a).__name__, a.message())
            self.alerts.append("[%7.2fs] %s" % (time.monotonic() - T0, text))
            if isinstance(a, lt.tracker_reply_alert):
                self.tracker_replies += 1
                log(text)
            elif isinstance(a, lt.tracker_error_alert):
                # message() leaves out the tracker's failure reason
                text += " [failure reason %r, error %r]" % (a.failure_reason(),
                                                             a.error.message())
                self.alerts[-1] += " [failure reason %r, error %r]" % (a.failure_reason(),
                                                                      a.error.message())
                self.tracker_errors.append(text)
                log(text)
            elif isinstance(a, lt.tracker_warning_alert):
                self.tracker_errors.append(text)
                log(text)
            elif self.verbose or isinstance(a, (lt.torrent_finished_alert,
                                                lt.torrent_error_alert, lt.peer_connect_alert,
                                                lt.peer_disconnected_alert)):
                log(text)
            if isinstance(a, lt.torrent_finished_alert):
                self.finished = True
            if isinstance(a, lt.tracker_announce_alert) and "(stopped)" in a.message():
                self.stop_sent = True
            if isinstance(a, lt.tracker_reply_alert):
                self.max_tracker_peers = max(self.max_tracker_peers, a.num_peers)
                self.stop_replied = self.stop_replied or self.stop_sent
            if isinstance(a, lt.peer_connect_alert):
                msg = a.message()
                direction = ("incoming" if "incoming connection" in msg else
                             "outgoing" if "outgoing connection" in msg else "unknown")
                self.connections.append((direction, "%s:%d" % tuple(a.endpoint)))

    def summary(self):
        st = self.status()
        return {"max_tracker_peers": self.max_tracker_peers, "connections": self.connections,
                "tracker_replies": self.tracker_replies, "tracker_errors": self.tracker_errors,
                "finished": self.finished, "progress": st.progress,
                "downloaded": st.total_payload_download, "uploaded": st.total_payload_upload}

    def status(self):
        return self.handle.status()

    def peers(self):
        return self.handle.get_peer_info()

    def stop(self, timeout=3.0):
        """Pause the torrent, which sends the stopped announce with the final totals, and wait
        up to `timeout` for the tracker's reply (libtorrent posts one for a stopped announce
        too). Returns the payload totals that announce reports (libtorrent's counters, read
        just before pausing: pausing resets them)."""
        self.pump()
        st = self.status()
        totals = {"uploaded": st.total_payload_upload, "downloaded": st.total_payload_download}
        self.handle.pause()
        t_end = time.monotonic() + timeout
        while not self.stop_replied and time.monotonic() < t_end:
            time.sleep(0.1)
            self.pump()
        return totals

    def close(self):
        try:
            self.ses.remove_torrent(self.handle)
        except Exception:
            pass
        self.ses = None


# --------------------------------------------------------------------------------------------
# external leechers


class ExternalLeecher:
    def __init__(self, name, cmd, log_path, env):
        self.name = name
        self.cmd = cmd
        self.log_path = log_path
        self.env = env
        self.proc = None
        self.logf = None

    def start(self):
        log("starting %s: %s" % (self.name, " ".join(self.cmd)))
        self.logf = open(self.log_path, "ab")
        self.proc = subprocess.Popen(self.cmd, stdin=subprocess.DEVNULL, stdout=self.logf,
                                     stderr=subprocess.STDOUT, env=self.env,
                                     start_new_session=True,
                                     preexec_fn=_die_with_parent)

    def poll(self):
        return self.proc.poll() if self.proc else None

    def stop(self, grace=8.0):
        if self.proc is None or self.logf is None:
            return
        if self.proc.poll() is None:
            # SIGINT: transmission-cli and aria2c both shut down cleanly on it (stopped event)
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(grace)
            except subprocess.TimeoutExpired:
                log("%s did not exit after SIGINT, killing it" % self.name)
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.proc.wait(5)
        self.logf.close()
        self.logf = None


def aria2_leecher(torrent, dl_dir, workdir, env, proto):
    port = free_port()
    log_path = os.path.join(workdir, "aria2.log")
    marker = os.path.join(workdir, "aria2-done")
    script = os.path.join(workdir, "aria2-done.sh")
    with open(script, "w") as f:
        # aria2 calls it with GID, number of files, first file path
        f.write("#!/bin/sh\necho \"$3\" > '%s'\n" % marker)
    os.chmod(script, 0o755)
    cmd = [
        shutil.which("aria2c") or "aria2c",
        "--no-conf=true",
        "--dir=" + dl_dir,
        # aria2 speaks UDP tracker protocol only through its IPv4 DHT socket ("--enable-dht:
        # It also enables UDP tracker support"), so the UDP case turns the DHT on. It still
        # cannot find peers: aria2 never uses the DHT for a private torrent, and this DHT has
        # no routing table (fresh $HOME, no dht.dat) and no entry point to bootstrap from.
        "--enable-dht=%s" % ("true" if proto == "udp" else "false"),
        "--dht-listen-port=%d" % port, "--dht-file-path=" + os.path.join(workdir, "dht.dat"),
        "--enable-dht6=false",
        "--bt-enable-lpd=false",
        "--enable-peer-exchange=false",
        "--disable-ipv6=true",
        "--listen-port=%d" % port,
        # Seed on after completing, like a user would, and stop on SIGINT. (With
        # --seed-time=0 aria2 goes straight to a stopped announce with left=0 and never sends
        # the completed event.) The hook runs when the download is complete, before seeding.
        "--seed-time=%d" % int(CASE_BUDGET // 60 + 1),
        "--on-bt-download-complete=" + script,
        "--bt-stop-timeout=%d" % int(DOWNLOAD_TIMEOUT),
        "--bt-tracker-connect-timeout=10", "--bt-tracker-timeout=10",
        "--file-allocation=none",
        "--allow-overwrite=true",
        "--auto-save-interval=0",
        "--bt-save-metadata=false",
        "--summary-interval=5",
        "--console-log-level=notice",
        "--log=" + os.path.join(workdir, "aria2.debug.log"), "--log-level=info",
        torrent,
    ]
    return ExternalLeecher("aria2c", cmd, log_path, env), port, marker


def libtorrent_leecher(torrent, dl_dir, workdir, env):
    """libtorrent as a leecher in its own process, as a real client would be. (Not a second
    session in this process: libtorrent keeps UDP tracker connection ids in a process-wide
    cache keyed by tracker address, so a second session would reuse the seeder's id from
    another source port, which a BEP 15 tracker rightly refuses.)"""
    port = free_port()
    done_file = os.path.join(workdir, "libtorrent-leecher.json")
    cmd = [sys.executable, os.path.abspath(__file__), "--lt-leecher-child", torrent,
           "--save-path", dl_dir, "--port", str(port), "--done-file", done_file]
    leecher = ExternalLeecher("libtorrent leecher", cmd,
                              os.path.join(workdir, "libtorrent-leecher.log"), env)
    return leecher, port, done_file


def lt_leecher_child(argv):
    """--lt-leecher-child TORRENT --save-path DIR --port P --done-file F: download, write a
    JSON summary to F once finished (the download is complete), keep seeding until SIGINT or
    SIGTERM, then stop cleanly (the stopped announce) and rewrite F."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--lt-leecher-child", dest="torrent", required=True)
    parser.add_argument("--save-path", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--done-file", required=True)
    a = parser.parse_args(argv)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    client = LtClient("leecher", a.torrent, a.save_path, port=a.port, verbose=True)
    give_up = time.monotonic() + CASE_BUDGET  # never outlive a case, whatever happens
    written = False
    while not stop.is_set() and time.monotonic() < give_up:
        client.pump()
        if not written and client.status().is_seeding:
            client.pump()
            write_json(a.done_file, client.summary())
            log("leecher: download complete")
            written = True
        stop.wait(0.1)
    client.pump()
    summary = client.summary()
    write_json(a.done_file, summary)
    # The stopped announce reports the final totals: the parent compares them with what the
    # tracker credited, so the summary keeps the totals announced and whether it was answered.
    summary["reported"] = client.stop()
    summary["stop_replied"] = client.stop_replied
    write_json(a.done_file, summary)
    client.close()
    return 0


def write_json(path, data):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(data, f)
    os.replace(tmp, path)


def read_json(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def transmission_leecher(torrent, dl_dir, workdir, env):
    port = free_port()
    cfg = os.path.join(workdir, "transmission-config")
    os.makedirs(cfg)
    marker = os.path.join(workdir, "transmission-done")
    script = os.path.join(workdir, "transmission-done.sh")
    with open(script, "w") as f:
        f.write("#!/bin/sh\necho \"$TR_TORRENT_NAME\" > '%s'\n" % marker)
    os.chmod(script, 0o755)
    settings = {
        "dht-enabled": False,
        "lpd-enabled": False,
        "pex-enabled": False,
        "port-forwarding-enabled": False,
        "peer-port": port,
        "peer-port-random-on-start": False,
        "bind-address-ipv4": "127.0.0.1",
        "download-dir": dl_dir,
        "incomplete-dir-enabled": False,
        "rename-partial-files": True,
        "utp-enabled": False,
        "blocklist-enabled": False,
        "speed-limit-down-enabled": False,
        "speed-limit-up-enabled": False,
        "ratio-limit-enabled": False,
        "idle-seeding-limit-enabled": False,
        "message-level": 3,
    }
    with open(os.path.join(cfg, "settings.json"), "w") as f:
        json.dump(settings, f, indent=1)
    log_path = os.path.join(workdir, "transmission.log")
    cmd = [shutil.which("transmission-cli") or "transmission-cli",
           "--config-dir", cfg, "--download-dir", dl_dir, "--port", str(port),
           "--no-portmap", "--no-blocklist", "--no-downlimit", "--no-uplimit",
           "--encryption-tolerated", "--finish", script, torrent]
    return ExternalLeecher("transmission-cli", cmd, log_path, env), port, marker


# --------------------------------------------------------------------------------------------
# the case


def run_case(args, workdir, diag):
    proto, client, expect = CASES[args.case]
    deadline = time.monotonic() + CASE_BUDGET
    needed = {"aria2": "aria2c", "transmission": "transmission-cli"}.get(client)
    if needed and shutil.which(needed) is None:
        raise CaseFailure("%s is not installed (scripts/deps.sh installs it)" % needed)

    tracker = Tracker(args.tracker, workdir)
    diag["tracker"] = tracker
    tracker.start()

    seeder_user = tracker.admin("POST", "/admin/users", {"name": "seeder"}, expect=(201,))
    leecher_user = tracker.admin("POST", "/admin/users", {"name": "leecher"}, expect=(201,))
    for u in (seeder_user, leecher_user):
        if not re.fullmatch(r"[0-9A-Za-z]{32}", str(u.get("passkey", ""))):
            raise CaseFailure("unexpected passkey in %r" % u)
    if seeder_user["passkey"] == leecher_user["passkey"]:
        raise CaseFailure("the two users got the same passkey")

    urls = {"seeder": tracker.announce_url(proto, seeder_user["passkey"]),
            "leecher": tracker.announce_url(proto, leecher_user["passkey"])}
    src, name, digest, info_hash, torrents = make_torrents(workdir, urls)
    log("payload %s: %d bytes, %d pieces of %d, sha256 %s, info_hash %s"
        % (name, PAYLOAD_SIZE, -(-PAYLOAD_SIZE // PIECE_SIZE), PIECE_SIZE, digest, info_hash))
    log("seeder announce URL %s" % urls["seeder"])
    log("leecher announce URL %s" % urls["leecher"])
    reg = tracker.admin("POST", "/admin/torrents", {"info_hash": info_hash, "name": name},
                        expect=(201,))
    log("registered torrent: %s" % json.dumps(reg))
    diag["info_hash"] = info_hash

    # ---- seeder
    seeder = LtClient("seeder", torrents["seeder"], src)
    diag["seeder"] = seeder
    t_end = min(deadline, time.monotonic() + SEED_READY_TIMEOUT)
    while True:
        seeder.pump()
        st = seeder.status()
        counts = tracker.torrent_counts(info_hash)
        if st.is_seeding and seeder.tracker_replies > 0 and counts["seeders"] == 1:
            break
        if time.monotonic() > t_end:
            raise CaseFailure("seeder not ready: state=%s seeding=%s tracker replies=%d "
                              "tracker errors=%r admin=%r" % (st.state, st.is_seeding,
                                                              seeder.tracker_replies,
                                                              seeder.tracker_errors, counts))
        time.sleep(0.2)
    log("seeder is seeding and announced; admin: %r" % counts)

    # ---- leecher
    dl_dir = os.path.join(workdir, "download")
    os.makedirs(dl_dir)
    env = dict(os.environ)
    env["HOME"] = os.path.join(workdir, "home")  # no user config, no state left behind
    os.makedirs(env["HOME"])
    marker = None  # transmission: its finish script writes it; libtorrent: a JSON summary
    if client == "aria2":
        leecher, leecher_port, marker = aria2_leecher(torrents["leecher"], dl_dir, workdir,
                                                      env, proto)
    elif client == "transmission":
        leecher, leecher_port, marker = transmission_leecher(torrents["leecher"], dl_dir,
                                                             workdir, env)
    else:
        leecher, leecher_port, marker = libtorrent_leecher(torrents["leecher"], dl_dir,
                                                           workdir, env)
    diag["leecher"] = leecher
    out_path = os.path.join(dl_dir, name)

    t_start = time.monotonic()
    leecher.start()
    if expect == "refused":
        return expect_refusal(args, tracker, seeder, leecher, workdir, info_hash, deadline,
                              (seeder_user, leecher_user))

    max_counts = {"seeders": 0, "leechers": 0, "completed": 0}
    reverse_announced = False
    done = False
    t_end = min(deadline - COMPLETED_TIMEOUT - 10, t_start + DOWNLOAD_TIMEOUT)
    last_report = 0.0
    while not done:
        seeder.pump()
        counts = tracker.torrent_counts(info_hash)
        for k in max_counts:
            max_counts[k] = max(max_counts[k], counts[k] or 0)
        if (client == "transmission" and not reverse_announced and counts["leechers"] >= 1):
            # transmission-cli won't dial 127.0.0.1 (see module docstring): let the seeder
            # learn transmission's address from the tracker and dial it.
            log("tracker lists the leecher (%r); seeder re-announces to learn it" % counts)
            seeder.handle.force_reannounce(0, -1, lt.reannounce_flags_t.ignore_min_interval)
            reverse_announced = True

        if leecher.poll() is not None:
            raise CaseFailure("%s exited early with status %d" % (leecher.name, leecher.poll()))
        if client == "aria2" and proto == "udp":
            refusal = aria2_udp_error(workdir)
            if refusal:
                raise CaseFailure(
                    "the tracker refused aria2's UDP announce: %s\n"
                    "aria2 1.36 sends a bare 100-byte BEP 15 announce without BEP 41 URL data "
                    "(see createUDPTrackerAnnounce() in aria2's src/UDPTrackerClient.cc: "
                    "'extensions is always 0'), so the passkey never reaches the tracker. "
                    "aria2-udp-refused checks this refusal." % refusal)
        if os.path.exists(marker):
            done = True

        now = time.monotonic()
        if now - last_report >= 5:
            last_report = now
            sst = seeder.status()
            log("waiting: admin %r, seeder peers=%d uploaded=%d" %
                (counts, sst.num_peers, sst.total_payload_upload))
        if not done:
            if now > t_end:
                raise CaseFailure("download did not finish within %.0f s" % (now - t_start))
            time.sleep(0.25)
    elapsed = time.monotonic() - t_start
    log("leecher reports the download complete after %.1f s" % elapsed)

    # ---- checks
    if not os.path.isfile(out_path):
        raise CaseFailure("downloaded file %s is missing; download dir holds %r"
                          % (out_path, os.listdir(dl_dir)))
    size = os.path.getsize(out_path)
    got = sha256_file(out_path)
    if size != PAYLOAD_SIZE or got != digest:
        raise CaseFailure("downloaded file differs: %d bytes sha256 %s, want %d bytes sha256 %s"
                          % (size, got, PAYLOAD_SIZE, digest))
    log("downloaded file matches: sha256 %s" % got)

    # The peers met through the tracker, nothing else (no DHT, LSD or PEX anywhere): whoever
    # dialled got the other's address in a tracker reply.
    seeder.pump()
    log("seeder: most peers in a tracker reply %d, connections %r"
        % (seeder.max_tracker_peers, seeder.connections))
    if client == "libtorrent":
        summary = read_json(marker)
        log("leecher: %r" % summary)
        if summary["max_tracker_peers"] < 1:
            raise CaseFailure("the leecher's tracker replies never held a peer")
        if ["outgoing", "127.0.0.1:%d" % seeder.port] not in summary["connections"]:
            raise CaseFailure("the leecher never dialled the seeder at 127.0.0.1:%d"
                              % seeder.port)
    elif client == "transmission":
        if seeder.max_tracker_peers < 1:
            raise CaseFailure("the seeder's tracker replies never held transmission's address")
        if ("outgoing", "127.0.0.1:%d" % leecher_port) not in seeder.connections:
            raise CaseFailure("the seeder never dialled transmission at 127.0.0.1:%d"
                              % leecher_port)
    else:
        if not any(d == "incoming" for d, _ in seeder.connections):
            raise CaseFailure("aria2c never connected to the seeder")
    sst = seeder.status()
    if sst.total_payload_upload < PAYLOAD_SIZE:
        raise CaseFailure("seeder uploaded only %d payload bytes, want at least %d"
                          % (sst.total_payload_upload, PAYLOAD_SIZE))
    log("seeder uploaded %d payload bytes" % sst.total_payload_upload)

    # The admin API saw both peers and the leecher's completed event.
    t_end = min(deadline, time.monotonic() + COMPLETED_TIMEOUT)
    while True:
        seeder.pump()
        counts = tracker.torrent_counts(info_hash)
        for k in max_counts:
            max_counts[k] = max(max_counts[k], counts[k] or 0)
        if counts["completed"] >= 1 or time.monotonic() > t_end:
            break
        time.sleep(0.25)
    log("admin torrent counts now %r, highest seen %r" % (counts, max_counts))
    if counts["completed"] != 1:
        raise CaseFailure("admin completed=%r, want 1 (the leecher's completed event)"
                          % counts["completed"])
    if counts["seeders"] < 1:
        raise CaseFailure("admin seeders=%r, want the seeder counted" % counts["seeders"])
    if max_counts["leechers"] < 1 and max_counts["seeders"] < 2:
        raise CaseFailure("admin never counted the leecher in the swarm (highest %r)"
                          % max_counts)

    # A clean stop reaches the tracker as a stopped event.
    if leecher.poll() is None:
        leecher.stop()
        log("%s stopped (status %s)" % (leecher.name, leecher.poll()))
    if client == "transmission":
        # transmission-cli 3.00 quits as soon as its torrent is paused, before its announcer
        # sends the queued stopped event (no request reaches the tracker), so the tracker keeps
        # it as a seeder until peer_timeout. Nothing to check; its last announce to report
        # totals is the completed one.
        log("no stopped event to check: transmission-cli 3.00 exits without sending it")
    else:
        t_end = min(deadline, time.monotonic() + COMPLETED_TIMEOUT)
        while True:
            seeder.pump()
            counts = tracker.torrent_counts(info_hash)
            if (counts["seeders"], counts["leechers"]) == (1, 0) or time.monotonic() > t_end:
                break
            time.sleep(0.25)
        log("after the leecher stopped, admin: %r" % counts)
        if (counts["seeders"], counts["leechers"]) != (1, 0):
            raise CaseFailure("after the leecher stopped, admin shows %r, want 1 seeder and 0 "
                              "leechers" % counts)

    leecher_reported = None  # aria2 and transmission: not known exactly
    if client == "libtorrent":
        summary = read_json(marker)
        log("leecher after its stop: %r" % summary)
        if not summary or not summary.get("stop_replied"):
            raise CaseFailure("the tracker did not answer the libtorrent leecher's stopped "
                              "announce")
        leecher_reported = summary["reported"]
    check_accounting(tracker, seeder, seeder_user, leecher_user, leecher_reported)
    log("PASS %s: %d bytes in %.1f s" % (args.case, PAYLOAD_SIZE, elapsed))
    return 0


def credited(tracker, user):
    """What the tracker credited a user, {"uploaded": n, "downloaded": n}. The admin API sends
    totals up to 2^53 as JSON numbers and bigger ones as decimal strings."""
    got = tracker.admin("GET", "/admin/users/%s" % user["id"])
    totals = {}
    for key in ("uploaded", "downloaded"):
        value = got.get(key)
        if (isinstance(value, str) and re.fullmatch(r"[0-9]+", value)
                or isinstance(value, float) and value.is_integer()):
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise CaseFailure("admin user %s: %s=%r is not a byte count"
                              % (user["name"], key, got.get(key)))
        totals[key] = value
    return totals


def check_accounting(tracker, seeder, seeder_user, leecher_user, leecher_reported,
                     transferred=True):
    """The seeder stops (its stopped announce reports its final totals), the stats are flushed
    and each user's credit is compared with what its client reported.

    The tracker credits the growth of a peer's reported totals since its previous announce;
    a peer's first announce is only a baseline (computeCredit in server/core/accounting.cpp).
    Every client here starts from 0, so a user's credit is what its last announce reported:
    at most that (more means counted twice), and for a download at least the payload less one
    piece (less means bytes were lost; a client may count the last piece its own way).
    leecher_reported: the totals the leecher's last announce carried, or None when they are
    not known (aria2, transmission); then what the seeder reported bounds them instead, since
    the seeder was the leecher's only peer."""
    seeder_reported = seeder.stop()
    if not seeder.stop_replied:
        raise CaseFailure("the tracker did not answer the seeder's stopped announce")
    log("seeder stopped; it reported uploaded=%d downloaded=%d"
        % (seeder_reported["uploaded"], seeder_reported["downloaded"]))
    flushed = tracker.admin("POST", "/admin/stats/flush")
    log("stats flush: %r" % flushed)
    if not isinstance(flushed, dict) or not isinstance(flushed.get("records"), int):
        raise CaseFailure("unexpected stats flush reply %r" % flushed)
    seeder_credit = credited(tracker, seeder_user)
    leecher_credit = credited(tracker, leecher_user)
    log("credited: seeder %r, leecher %r (payload %d bytes, piece %d)"
        % (seeder_credit, leecher_credit, PAYLOAD_SIZE, PIECE_SIZE))

    def expect(who, key, got, low, high, why):
        if not low <= got <= high:
            raise CaseFailure("%s credited %s=%d, want %d..%d (%s)" % (who, key, got, low,
                                                                       high, why))

    if not transferred:
        for who, credit in (("seeder", seeder_credit), ("leecher", leecher_credit)):
            for key in ("uploaded", "downloaded"):
                expect(who, key, credit[key], 0, 0, "nothing was transferred")
        return
    if seeder_reported["downloaded"] != 0:
        raise CaseFailure("the seeder downloaded %d payload bytes although it had them all"
                          % seeder_reported["downloaded"])
    if leecher_reported is None:
        # What the seeder, the leecher's only peer, sent and received.
        leecher_reported = {"uploaded": seeder_reported["downloaded"],
                            "downloaded": seeder_reported["uploaded"]}
        source = "that the seeder, its only peer, reported"
    else:
        source = "that it reported"
    least = PAYLOAD_SIZE - PIECE_SIZE
    expect("seeder", "uploaded", seeder_credit["uploaded"], least, seeder_reported["uploaded"],
           "the whole payload, at most the %d it reported" % seeder_reported["uploaded"])
    expect("seeder", "downloaded", seeder_credit["downloaded"], 0, 0, "it reported 0")
    expect("leecher", "downloaded", leecher_credit["downloaded"], least,
           leecher_reported["downloaded"], "the whole payload, at most the %d %s"
           % (leecher_reported["downloaded"], source))
    expect("leecher", "uploaded", leecher_credit["uploaded"], 0, leecher_reported["uploaded"],
           "at most the %d %s" % (leecher_reported["uploaded"], source))


def aria2_udp_error(workdir):
    """The first UDP tracker error aria2 logged, or None."""
    try:
        with open(os.path.join(workdir, "aria2.debug.log"), errors="replace") as f:
            for line in f:
                if "UDPT received ERROR reply" in line:
                    return line.strip()
    except OSError:
        pass
    return None


def expect_refusal(args, tracker, seeder, leecher, workdir, info_hash, deadline, users):
    """aria2 over UDP: its announce carries no passkey (no BEP 41 URL data), so the tracker
    must refuse it with "missing passkey", hand it no peers, not count it and credit nobody."""
    t_end = min(deadline, time.monotonic() + 20)
    refusal = None
    while refusal is None:
        seeder.pump()
        if leecher.poll() is not None:
            raise CaseFailure("%s exited early with status %d" % (leecher.name, leecher.poll()))
        refusal = aria2_udp_error(workdir)
        if refusal is None:
            if time.monotonic() > t_end:
                raise CaseFailure("aria2 logged no UDP tracker error within 20 s")
            time.sleep(0.25)
    log("aria2: %s" % refusal)
    if "missing passkey" not in refusal:
        raise CaseFailure("aria2's UDP announce was refused, but not for the missing passkey")
    time.sleep(1)  # a connection would follow the announce at once
    seeder.pump()
    counts = tracker.torrent_counts(info_hash)
    log("admin: %r, seeder connections %r" % (counts, seeder.connections))
    if (counts["seeders"], counts["leechers"]) != (1, 0):
        raise CaseFailure("the refused aria2 was counted: admin %r" % counts)
    if seeder.connections:
        raise CaseFailure("aria2 reached the seeder although its announce was refused: %r"
                          % seeder.connections)
    leecher.stop()
    check_accounting(tracker, seeder, *users, None, transferred=False)
    log("PASS %s: the tracker refused aria2's passkey-less UDP announce" % args.case)
    return 0


def print_diagnostics(diag, workdir):
    print("======== diagnostics ========", flush=True)
    tracker = diag.get("tracker")
    if tracker is not None:
        print("---- tracker output (exit status %s)" % (tracker.proc.poll()
                                                       if tracker.proc else None))
        print("\n".join(tracker.lines[-80:]))
        if diag.get("info_hash") and tracker.proc and tracker.proc.poll() is None:
            try:
                print("---- admin torrent: %r" % tracker.admin(
                    "GET", "/admin/torrents/" + diag["info_hash"]))
            except Exception as e:  # noqa: BLE001 - diagnostics only
                print("---- admin torrent: %s" % e)
    for key in ("seeder",):
        c = diag.get(key)
        if c is not None and c.ses is not None:
            try:
                c.pump()
                st = c.status()
                print("---- %s status: state=%s progress=%.3f peers=%d up=%d down=%d error=%r"
                      % (c.role, st.state, st.progress, st.num_peers, st.total_payload_upload,
                         st.total_payload_download, st.errc.message()))
                for ae in c.handle.trackers():
                    print("     tracker %s" % ae.get("url"))
            except Exception as e:  # noqa: BLE001
                print("---- %s status: %s" % (key, e))
            print("---- %s alerts" % c.role)
            print("\n".join(c.alerts[-80:]))
    leecher = diag.get("leecher")
    if leecher is not None:
        print("---- %s output (%s)" % (leecher.name, leecher.log_path))
        print(tail(leecher.log_path, 80))
        extra = os.path.join(workdir, "aria2.debug.log")
        if leecher.name == "aria2c" and os.path.exists(extra):
            print("---- aria2c log (tracker/peer lines)")
            with open(extra, errors="replace") as f:
                lines = [l for l in f if re.search(r"tracker|UDPT|peer|Peer|ERROR|WARN", l)]
            print("".join(lines[-80:]))
    print("======== end of diagnostics ========", flush=True)


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--lt-leecher-child":
        return lt_leecher_child(sys.argv[1:])
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tracker", required=True, help="path to swarmkeeperd")
    parser.add_argument("--case", required=True, choices=sorted(CASES))
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()
    args.tracker = os.path.abspath(args.tracker)
    if not os.access(args.tracker, os.X_OK):
        print("run_download.py: %s is not an executable" % args.tracker)
        return 1

    workdir = tempfile.mkdtemp(prefix="sk-realclients-%s-" % args.case)
    diag = {}
    status = 1
    try:
        status = run_case(args, workdir, diag)
    except CaseFailure as e:
        log("FAIL %s: %s" % (args.case, e))
        print_diagnostics(diag, workdir)
    except Exception:  # noqa: BLE001 - any error fails the case with diagnostics
        import traceback
        traceback.print_exc()
        log("FAIL %s: unexpected error" % args.case)
        print_diagnostics(diag, workdir)
    finally:
        leecher = diag.get("leecher")
        if leecher is not None:
            try:
                leecher.stop(grace=3)
            except Exception as e:  # noqa: BLE001
                print("stopping leecher: %s" % e)
        for key in ("seeder",):
            c = diag.get(key)
            if c is not None and c.ses is not None:
                c.close()
        tracker = diag.get("tracker")
        if tracker is not None:
            tracker.stop()
        if args.keep:
            print("kept %s" % workdir)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
