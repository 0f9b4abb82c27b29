"""One page's work, in-process, through Django's own WSGI handler (every middleware and signal, as gunicorn runs
it): CPU time per request, Python calls per request, and optionally where they go (cProfile).

    DATABASE_URL=postgres://… REDIS_URL=redis://… DEBUG=false SECRET_KEY=… ALLOWED_HOSTS=127.0.0.1 \\
      SECURE_SSL_REDIRECT=false python scripts/profile_page.py /lessons/ '/sandbox/{sandbox}/credentials/'
    … python scripts/profile_page.py --profile 40 '/sandbox/{sandbox}/'

Run ``migrate`` and ``load_lessons`` on that database first. ``{sandbox}`` stands for a sandbox this script
makes (one role session in it) and whose anonymous browser session the requests carry, with the CSRF cookie a
browser keeps, as ``scripts/bench-pages-wrk.sh`` does. CPU time is this process's: PostgreSQL's and Redis's
own work is not in it. Quote medians; the calls per request do not depend on the machine's load.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import statistics
import sys
import time
from importlib import import_module
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "iamtutor.settings")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="+", help="pages to request ({sandbox}: the sandbox made here)")
    parser.add_argument("--requests", type=int, default=200, help="requests per round (default 200)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds per page; the median is reported")
    parser.add_argument("--profile", type=int, default=0, metavar="N", help="print cProfile's N costliest")
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.core.handlers.wsgi import WSGIHandler
    from django.middleware.csrf import _get_new_csrf_string

    from iamtutor.engine import AssumeRoleRequest, assume_role
    from iamtutor.sandbox.worlds import create_sandbox, run_change

    sandbox = create_sandbox()
    request = AssumeRoleRequest("arn:aws:iam::111111111111:role/ReportsReader", "profile", duration_seconds=3600)
    run_change(sandbox, lambda world: assume_role(world, "arn:aws:iam::111111111111:user/alice", request))
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session["sandbox_id"] = str(sandbox.pk)
    session.save()
    csrf = _get_new_csrf_string()
    cookie = f"{settings.SESSION_COOKIE_NAME}={session.session_key}; {settings.CSRF_COOKIE_NAME}={csrf}"
    app = WSGIHandler()

    def get(path: str) -> None:
        environ = {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": path,
            "QUERY_STRING": "",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "80",
            "HTTP_HOST": "127.0.0.1",
            "HTTP_COOKIE": cookie,
            "SERVER_PROTOCOL": "HTTP/1.1",
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(b""),
            "wsgi.errors": sys.stderr,
        }
        status: list[str] = []
        body = app(environ, lambda line, headers, *rest: status.append(line))
        b"".join(body)
        body.close()
        if not status[0].startswith("200"):
            sys.exit(f"{path} answered {status[0]}")

    try:
        for template in args.paths:
            path = template.format(sandbox=sandbox.pk)
            for _ in range(20):
                get(path)  # warm: templates compiled, caches filled
            rounds = []
            for _ in range(args.rounds):
                started = time.process_time()
                for _ in range(args.requests):
                    get(path)
                rounds.append((time.process_time() - started) / args.requests * 1000)
            profile = cProfile.Profile()
            profile.enable()
            for _ in range(50):
                get(path)
            profile.disable()
            stats = pstats.Stats(profile)
            calls = stats.total_calls // 50
            print(f"{path}: {statistics.median(rounds):.2f} ms CPU a request (median of {args.rounds}), {calls} calls")
            if args.profile:
                stats.sort_stats("cumulative").print_stats(args.profile)
    finally:
        sandbox.delete()


if __name__ == "__main__":
    main()
