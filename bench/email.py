"""``python -m bench.email [--count N]``: how many e-mails per second the inbound pipeline
files end to end (target ≥ 200/s on 2 cores).

It writes N varied messages (default 10,000) into a temporary directory — Chinese and
English, UTF-8 / GBK / GB18030 / Big5 / ISO-2022-JP bodies and encoded-word subjects,
replies that thread to earlier messages, HTML-only mail, attachments, auto-replies,
bounces and exact duplicates — then feeds every file to
``kefu.conversations.email.ingest.ingest_batch`` in batches of 25, as ``kefu mail ingest``
does (store, parse, thread, file as a ticket or a reply) and prints messages/s and what became of them.

The database is DATABASE_URL, else a fresh SQLite file under ./var/bench-email
(BENCH_DATA_DIR), kept apart from ./var so `make run` data is never touched. Message-IDs
carry a run id, so runs against a kept database never collide.
"""

from __future__ import annotations

import argparse
import base64
import os
import random
import shutil
import sys
import tempfile
import time
import uuid
from collections import Counter
from email.header import Header
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

from bench import cpu
from bench.prepare import PROJECT_DIR, db_label, kefu, setup_django

TARGET = 200
DEFAULT_DATA_DIR = PROJECT_DIR / "var" / "bench-email"
SUPPORT = "support@bench.example"

SUBJECTS_ZH = ["订单 {n} 没有送到", "冰箱不制冷，订单 {n}", "发票抬头写错了（{n}）", "会员积分没到账 {n}",
               "退货运费谁出？单号 {n}", "配送员态度很差 {n}", "水果坏了要求退款 {n}", "预约安装时间 {n}"]
SUBJECTS_EN = ["Order {n} has not arrived", "Refund for order {n}", "Wrong invoice title ({n})",
               "Delivery slot change for order {n}", "Damaged item in order {n}"]
BODIES_ZH = ["您好，我在 {d} 下的订单 {n} 到现在还没有送到，麻烦帮忙查一下物流。谢谢！",
             "昨天收到的货有破损，照片见附件。请尽快处理退款或补发。",
             "我的会员积分上个月就应该到账了，一直没有看到，请核实。\n手机：138{n:08d}",
             "配送员把东西放在门口就走了，也没有打电话，希望改进。"]
BODIES_EN = ["Hello, my order {n} placed on {d} has still not arrived. Could you check?",
             "The box was damaged and two items are broken. I'd like a refund please.",
             "Please change the delivery slot for order {n} to Saturday morning. Thanks!"]
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Count 0>>endobj\n" \
      b"trailer<</Root 1 0 R>>\n%%EOF\n"


def bench_env() -> dict[str, str]:
    data_dir = Path(os.environ.get("BENCH_DATA_DIR") or DEFAULT_DATA_DIR).resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{data_dir / 'kefu-bench-email.sqlite3'}"
    return {"DATABASE_URL": url, "KEFU_DATA_DIR": str(data_dir),
            "DJANGO_SETTINGS_MODULE": "kefu.settings", "KEFU_HUEY_FILE": "huey-bench-email.sqlite3"}


def _fresh_sqlite(env: dict[str, str]) -> None:
    """The default SQLite database starts empty each run (same figures every time)."""
    if os.environ.get("DATABASE_URL"):
        return
    data_dir = Path(env["KEFU_DATA_DIR"])
    for name in ("kefu-bench-email.sqlite3", "huey-bench-email.sqlite3"):
        for suffix in ("", "-wal", "-shm"):
            (data_dir / f"{name}{suffix}").unlink(missing_ok=True)
    shutil.rmtree(data_dir / "media", ignore_errors=True)


# --- the messages -----------------------------------------------------------------------

class Generator:
    def __init__(self, count: int, seed: int):
        self.rng = random.Random(seed)
        self.run = uuid.uuid4().hex[:8]
        self.senders = [f"kehu{i}.{self.run}@mail{i % 7}.example.net" for i in range(max(50, count // 4))]
        self.sent: dict[str, list[tuple[str, str]]] = {}  # sender → [(message id, subject)]
        self.files: list[bytes] = []
        self.buckets: list[int] = []  # which sender wrote each file (mod 64): one worker each
        self.kinds: Counter[str] = Counter()
        self.n = 0

    def _base(self, sender: str, subject: str, *, zh: bool) -> EmailMessage:
        self.n += 1
        msg = EmailMessage()
        name = self.rng.choice(["张三", "李四", "王芳", "赵敏"]) if zh else self.rng.choice(
            ["Alice Smith", "Bob Lee", "Carol Chen"])
        msg["From"] = f"{Header(name, 'utf-8').encode()} <{sender}>" if zh else f"{name} <{sender}>"
        msg["To"] = SUPPORT
        msg["Subject"] = subject
        msg["Date"] = format_datetime(__import__("datetime").datetime.now().astimezone())
        msg["Message-ID"] = f"<{self.run}.{self.n}@mail.example.net>"
        return msg

    def _text(self, zh: bool) -> tuple[str, str]:
        number = self.rng.randint(10_000, 99_999)
        if zh:
            return (self.rng.choice(SUBJECTS_ZH).format(n=number),
                    self.rng.choice(BODIES_ZH).format(n=number, d="3月2日"))
        return (self.rng.choice(SUBJECTS_EN).format(n=number),
                self.rng.choice(BODIES_EN).format(n=number, d="March 2"))

    def _remember(self, sender: str, msg: EmailMessage, subject: str) -> None:
        self.sent.setdefault(sender, []).append((msg["Message-ID"], subject))

    def new_request(self) -> bytes:
        sender = self.rng.choice(self.senders)
        zh = self.rng.random() < 0.7
        subject, body = self._text(zh)
        msg = self._base(sender, subject, zh=zh)
        msg.set_content(body)
        self._remember(sender, msg, subject)
        return bytes(msg)

    def reply(self) -> bytes | None:
        candidates = [s for s in self.rng.sample(self.senders, min(20, len(self.senders)))
                      if s in self.sent]
        if not candidates:
            return None
        sender = candidates[0]
        parent_id, subject = self.sent[sender][-1]
        zh = not subject.isascii()
        msg = self._base(sender, ("回复：" if zh and self.rng.random() < 0.5 else "Re: ") + subject,
                         zh=zh)
        msg["In-Reply-To"] = parent_id
        msg["References"] = " ".join(mid for mid, _s in self.sent[sender][-5:])
        body = "补充一下：还是没有收到。" if zh else "Any news on this? Still waiting."
        msg.set_content(f"{body}\n\n> {subject}\n> (earlier message)\n")
        self._remember(sender, msg, subject)
        return bytes(msg)

    def legacy_charset(self) -> bytes:
        """A Chinese or Japanese message in a legacy charset, header and body encoded."""
        charset = self.rng.choice(["gb2312", "gbk", "gb18030", "big5", "iso-2022-jp"])
        sender = self.rng.choice(self.senders)
        if charset == "big5":
            subject, body = "訂單沒有送到", "您好，我的訂單到現在還沒有送到，請幫忙查詢。"
        elif charset == "iso-2022-jp":
            subject, body = "注文が届きません", "注文した商品がまだ届いていません。確認してください。"
        else:
            subject, body = self._text(True)
        self.n += 1
        cte = self.rng.choice(["base64", "quoted-printable", "8bit"])
        payload = body.encode(charset)
        if cte == "base64":
            encoded = base64.encodebytes(payload)
        elif cte == "quoted-printable":
            import quopri

            encoded = quopri.encodestring(payload)
        else:
            encoded = payload + b"\n"
        head = (f"From: {sender}\r\nTo: {SUPPORT}\r\n"
                f"Subject: {Header(subject, charset).encode()}\r\n"
                f"Message-ID: <{self.run}.{self.n}@legacy.example.net>\r\n"
                f"MIME-Version: 1.0\r\nContent-Type: text/plain; charset={charset}\r\n"
                f"Content-Transfer-Encoding: {cte}\r\n\r\n")
        return head.encode("ascii") + encoded

    def html_only(self) -> bytes:
        sender = self.rng.choice(self.senders)
        subject, body = self._text(self.rng.random() < 0.6)
        msg = self._base(sender, subject, zh=not subject.isascii())
        msg.set_content(f"<html><body><p>{body}</p><p style='color:red'>"
                        f"<b>请尽快回复</b></p><script>alert(1)</script></body></html>",
                        subtype="html")
        self._remember(sender, msg, subject)
        return bytes(msg)

    def with_attachments(self) -> bytes:
        sender = self.rng.choice(self.senders)
        subject, body = self._text(True)
        msg = self._base(sender, subject, zh=True)
        msg.set_content(body)
        msg.add_attachment(PNG, maintype="image", subtype="png", filename="破损照片.png")
        if self.rng.random() < 0.5:
            msg.add_attachment(PDF, maintype="application", subtype="pdf", filename="invoice.pdf")
        self._remember(sender, msg, subject)
        return bytes(msg)

    def auto_reply(self) -> bytes:
        sender = self.rng.choice(self.senders)
        msg = self._base(sender, self.rng.choice(["自动回复：我正在休假", "Out of office"]), zh=True)
        msg["Auto-Submitted"] = "auto-replied"
        msg.set_content("我 3 月 10 日前不在办公室。I am away until 10 March.")
        return bytes(msg)

    def bounce(self) -> bytes:
        self.n += 1
        boundary = f"b{self.n}"
        return (f"From: Mail Delivery System <MAILER-DAEMON@mail{self.n % 7}.example.net>\r\n"
                f"To: {SUPPORT}\r\nSubject: Undelivered Mail Returned to Sender\r\n"
                f"Message-ID: <{self.run}.{self.n}@bounce.example.net>\r\nMIME-Version: 1.0\r\n"
                f"Auto-Submitted: auto-replied\r\n"
                f"Content-Type: multipart/report; report-type=delivery-status; "
                f"boundary=\"{boundary}\"\r\n\r\n--{boundary}\r\nContent-Type: text/plain\r\n\r\n"
                f"The mail could not be delivered.\r\n--{boundary}\r\n"
                f"Content-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.net\r\n"
                f"\r\nFinal-Recipient: rfc822; nobody@example.org\r\nAction: failed\r\n"
                f"Status: 5.1.1\r\n--{boundary}--\r\n").encode()

    @staticmethod
    def _last_sender_bucket(raw: bytes) -> int:
        import zlib

        head = raw.split(b"\n\n", 1)[0].split(b"\r\n\r\n", 1)[0]
        sender = next((line for line in head.splitlines() if line.startswith(b"From:")), b"")
        sender = sender.rsplit(b"<", 1)[-1].split(b">", 1)[0].strip()
        return zlib.crc32(sender) % 64

    def generate(self, count: int) -> list[bytes]:
        kinds = [("new", 0.55, self.new_request), ("reply", 0.20, self.reply),
                 ("charset", 0.08, self.legacy_charset), ("attachments", 0.07, self.with_attachments),
                 ("html", 0.05, self.html_only), ("auto-reply", 0.03, self.auto_reply),
                 ("bounce", 0.01, self.bounce)]
        weights = [w for _k, w, _f in kinds]
        while len(self.files) < count:
            if self.files and self.rng.random() < 0.01:
                index = self.rng.randrange(len(self.files))  # the same bytes delivered twice
                self.files.append(self.files[index])
                self.buckets.append(self.buckets[index])
                self.kinds["exact duplicate"] += 1
                continue
            kind, _w, make = self.rng.choices(kinds, weights)[0]
            raw = make()
            if raw is None:
                kind, raw = "new", self.new_request()
            self.files.append(raw)
            self.buckets.append(self._last_sender_bucket(raw))
            self.kinds[kind] += 1
        return self.files


def write_messages(directory: Path, count: int, seed: int) -> Counter:
    gen = Generator(count, seed)
    for i, raw in enumerate(gen.generate(count)):
        (directory / f"{i:06d}.{gen.buckets[i]:02d}.eml").write_bytes(raw)
    return gen.kinds


# --- the run ----------------------------------------------------------------------------

def _setup_mailbox():
    from kefu.accounts.models import Team
    from kefu.conversations.models import Mailbox
    from kefu.customers.services import default_tier

    default_tier()  # before the workers start: they would race to create it
    team, _ = Team.objects.get_or_create(code="bench-email", defaults={"name": "邮件压测",
                                                                       "name_en": "E-mail bench"})
    mailbox, _ = Mailbox.objects.get_or_create(address=SUPPORT, defaults={"name": "Bench support",
                                                                          "team": team})
    return mailbox


def _backend_cpu() -> tuple[int | None, float]:
    """(pid, CPU seconds) of this process's PostgreSQL backend (on this machine), else 0."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None, 0.0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    return pid, cpu.seconds([pid])


def _ingest_files(paths: list[Path], mailbox_id: int) -> Counter:
    """Ingest ``paths`` in order; the Counter also carries "cpu_app" and "cpu_db": CPU
    seconds of this process and of its database backend while doing it."""
    from kefu.conversations.cli import FILES_PER_BATCH
    from kefu.conversations.email.ingest import Incoming, ingest_batch
    from kefu.conversations.models import Mailbox

    mailbox = Mailbox.objects.get(pk=mailbox_id)
    statuses: Counter[str] = Counter()
    backend, db_before = _backend_cpu()
    app_before = time.process_time()
    for start in range(0, len(paths), FILES_PER_BATCH):  # as `kefu mail ingest` reads them
        batch = [Incoming(path.read_bytes(), source="file", mailbox=mailbox)
                 for path in paths[start:start + FILES_PER_BATCH]]
        for result in ingest_batch(batch):
            statuses[result.status] += 1
    statuses["cpu_app"] += time.process_time() - app_before  # type: ignore[assignment]
    if backend is not None:
        statuses["cpu_db"] += cpu.seconds([backend]) - db_before  # type: ignore[assignment]
    return statuses


def _worker(paths, mailbox_id, queue) -> None:
    from django.db import connections

    try:
        queue.put(("ok", _ingest_files(paths, mailbox_id)))
    except BaseException as exc:  # reported by the parent
        queue.put(("error", repr(exc)))
    finally:
        connections.close_all()


def ingest_directory(directory: Path, workers: int = 1) -> tuple[int, float, Counter]:
    """Feed every file to ingest_raw, in order; with several workers (processes), each
    takes the mail of its share of the senders, so a reply still follows what it answers."""
    import multiprocessing

    from django.db import connections

    mailbox = _setup_mailbox()
    files = sorted(directory.glob("*.eml"))
    if workers <= 1:
        started = time.perf_counter()
        statuses = _ingest_files(files, mailbox.pk)
        return len(files), time.perf_counter() - started, statuses
    shares = [[p for p in files if int(p.name.split(".")[1]) % workers == k] for k in range(workers)]
    connections.close_all()  # each process opens its own
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    started = time.perf_counter()
    procs = [context.Process(target=_worker, args=(share, mailbox.pk, queue)) for share in shares]
    for proc in procs:
        proc.start()
    results = [queue.get() for _proc in procs]
    seconds = time.perf_counter() - started
    for proc in procs:
        proc.join()
    statuses: Counter[str] = Counter()
    for kind, value in results:
        if kind != "ok":
            raise RuntimeError(f"a worker failed: {value}")
        statuses.update(value)
    return len(files), seconds, statuses


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.email")
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=20261123)
    parser.add_argument("--workers", type=int, default=2,
                        help="processes ingesting at once (default 2: the target is for 2 cores)")
    parser.add_argument("--keep", action="store_true", help="keep the generated messages")
    args = parser.parse_args(argv)

    env = bench_env()
    _fresh_sqlite(env)
    print(f"e-mail ingest: {args.count:,} messages on {db_label(env['DATABASE_URL'])}, "
          f"{args.workers} process{'es' if args.workers > 1 else ''}")
    kefu("migrate", env=env)
    setup_django(env)
    import logging

    logging.getLogger("kefu.email").setLevel(logging.ERROR)  # quarantines are counted below
    directory = Path(tempfile.mkdtemp(prefix="kefu-bench-email-"))
    try:
        started = time.perf_counter()
        kinds = write_messages(directory, args.count, args.seed)
        print(f"  generated in {time.perf_counter() - started:.1f} s into {directory}: "
              + ", ".join(f"{k} {v}" for k, v in kinds.most_common()))
        count, seconds, statuses = ingest_directory(directory, args.workers)
    finally:
        if not args.keep:
            shutil.rmtree(directory, ignore_errors=True)
    rate = count / seconds if seconds else 0.0
    app_ms = statuses.pop("cpu_app", 0) * 1000 / count
    db_ms = statuses.pop("cpu_db", 0) * 1000 / count
    print(f"  ingested {count:,} in {seconds:.1f} s: {rate:,.0f} messages/s "
          f"(target ≥ {TARGET}/s) {'OK' if rate >= TARGET else 'BELOW TARGET'}")
    print(f"  CPU per message: {app_ms:.2f} ms in the ingesting processes"
          + (f" + {db_ms:.2f} ms in PostgreSQL" if db_ms else "")
          + f" (2 cores could file at most {2000 / (app_ms + db_ms):,.0f}/s)" if app_ms else "")
    print("  outcome: " + ", ".join(f"{k} {v}" for k, v in statuses.most_common()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
