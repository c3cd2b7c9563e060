"""`./dev up`: run the whole system locally in the foreground until Ctrl-C.

python -m infra.local [--aws-port 5000] [--api-port 8000] [--payments-port 8001]
                      [--scale 200 | --no-demo] [--check] [--state-file PATH]

Once up it writes `.local/env.sh`: `source .local/env.sh` sets API, PAYMENTS and the demo's ids
and logins (ROOT_ORG_ID, BRANCH_ORG_ID, PROVINCE_ADMIN_TOKEN, MEMBER_TOKEN ...) in a shell.
"""

from __future__ import annotations

import argparse
import json
import logging
import shlex
import signal
import sys
import threading
import warnings
from pathlib import Path
from types import FrameType

from infra.local.stack import LocalStack, StackError, is_token, province_token

log = logging.getLogger("local")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="./dev up", description="Run zhtj locally: moto, the API and the runner.")
    parser.add_argument("--aws-port", type=int, default=5000, help="moto server port (default 5000)")
    parser.add_argument("--api-port", type=int, default=8000, help="HTTP API port (default 8000)")
    parser.add_argument(
        "--payments-port", type=int, default=8001, help="payment providers' simulator port (default 8001)"
    )
    parser.add_argument("--scale", type=int, default=200, help="demo data: number of members (default 200)")
    parser.add_argument("--no-demo", action="store_true", help="start with an empty table")
    parser.add_argument("--check", action="store_true", help="start, run a self-check, stop (exit 1 on a problem)")
    parser.add_argument(
        "--state-file", type=Path, help="once up, write {api_url, aws_url, demo} here as JSON (for tests and tools)"
    )
    return parser.parse_args(argv)


def configure_logging() -> None:
    """Short lines for the runtime's own loggers ("local.*"). Not on the root logger: the app's
    powertools logger ("zhtj") propagates, and its JSON lines must not print twice."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-7s %(name)-12s %(message)s", "%H:%M:%S"))
    local = logging.getLogger("local")
    local.addHandler(handler)
    local.setLevel(logging.INFO)
    local.propagate = False
    # werkzeug (moto's server) logs every request unless it has a level of its own.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    # Handlers that publish no metric (most invocations, locally) would warn every time.
    warnings.filterwarnings("ignore", message="No application metrics to publish")


def print_banner(stack: LocalStack) -> None:
    lines = [
        "",
        f"  MEMBERS  {stack.api_url}/m/         (the members' mobile app: open it 360 px wide, or on a phone)",
        f"  CONSOLE  {stack.api_url}/console/   (the cadres' console)",
        f"  API      {stack.api_url}   (GET /health, /openapi.json)",
        f"  AWS      {stack.aws_url}   (moto; aws --endpoint-url {stack.aws_url} ...)",
        f"  PAYMENTS {stack.payments_url}   (WeChat Pay / Alipay simulator: POST /simulator/pay)",
        f"  SMS      {stack.api_url}/dev/sms-outbox?phone=<phone>   (the outbox: codes and invitations sent)",
        f"  WECHAT   {stack.api_url}/dev/wechat-outbox?openid=<openid>   (official account: notifications sent)",
    ]
    if stack.demo:
        tokens = {name: value for name, value in stack.demo.items() if is_token(value)}
        login_fields = {f"{name}_phone" for name in tokens} | {"demo_password"}
        ids = {n: v for n, v in stack.demo.items() if not is_token(v) and n not in login_fields}
        lines.append("  Demo ids:")
        lines += [f"    {name:<18} {value}" for name, value in ids.items()]
        password = stack.demo.get("demo_password", "")
        lines.append(f"  Sign in at POST /auth/sign-in with a phone below and the password {password},")
        lines.append("  or send Authorization: Bearer <token> (a session opened at start-up, 15 minutes):")
        lines += [f"    {name:<18} {stack.demo.get(name + '_phone', ''):<15} {value}" for name, value in tokens.items()]
        lines.append(f"  SMS sent locally: {stack.api_url}/dev/sms-outbox?phone=+86...")
        token = province_token(stack.demo)
        if token and "root_org_id" in stack.demo:
            lines.append("  Try:")
            lines.append(
                f'    curl -H "Authorization: Bearer {token}" '
                f'"{stack.api_url}/orgs/{stack.demo["root_org_id"]}/children?limit=100"'
            )
    lines += [f"  In another shell: source {ENV_FILE}   (sets $API, $PAYMENTS and the names above)"]
    lines += ["  Ctrl-C stops.", ""]
    print("\n".join(lines), flush=True)


ENV_FILE = Path(".local/env.sh")


def shell_variables(stack: LocalStack) -> dict[str, str]:
    """What a shell needs to follow the README: the addresses, and each demo id or login under
    its name upper-cased (a login's with _TOKEN: PROVINCE_ADMIN_TOKEN, MEMBER_TOKEN)."""
    variables = {"API": stack.api_url, "AWS": stack.aws_url, "PAYMENTS": stack.payments_url}
    for name, value in (stack.demo or {}).items():
        variables[f"{name.upper()}_TOKEN" if is_token(value) else name.upper()] = value
    return variables


def write_env_file(stack: LocalStack, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [f"export {name}={shlex.quote(value)}" for name, value in shell_variables(stack).items()]
    path.write_text("# Written by ./dev up; `source` it in another shell.\n" + "\n".join(lines) + "\n")


def write_state(stack: LocalStack, path: Path) -> None:
    # Renamed into place so that a reader polling for the file never sees half of it.
    state = {"api_url": stack.api_url, "aws_url": stack.aws_url, "payments_url": stack.payments_url, "demo": stack.demo}
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps(state, ensure_ascii=False), encoding="utf-8")
    partial.replace(path)


def _terminate(signum: int, frame: FrameType | None) -> None:
    # SIGTERM (docker stop, kill) shuts down as cleanly as Ctrl-C.
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    configure_logging()
    signal.signal(signal.SIGTERM, _terminate)
    # A shell starting us in the background (`./dev up &`) ignores SIGINT for us; kill -INT
    # should still stop the stack.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    stack = LocalStack(
        aws_port=args.aws_port,
        api_port=args.api_port,
        payments_port=args.payments_port,
        demo_scale=None if args.no_demo else args.scale,
    )
    try:
        with stack:
            if args.check:
                problems = stack.self_check()
                for problem in problems:
                    log.error("self-check: %s", problem)
                log.info("self-check %s", "FAILED" if problems else "passed")
                return 1 if problems else 0
            if args.state_file:
                write_state(stack, args.state_file)
            else:
                write_env_file(stack, ENV_FILE)
            print_banner(stack)
            threading.Event().wait()  # until Ctrl-C
    except KeyboardInterrupt:
        pass
    except StackError as error:
        log.error("%s", error)
        return 1
    leftover = [t.name for t in threading.enumerate() if t is not threading.main_thread()]
    if leftover:
        log.warning("threads still running: %s", ", ".join(leftover))
    return 0


if __name__ == "__main__":
    sys.exit(main())
