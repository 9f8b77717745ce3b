"""Where one endpoint's time goes: py-spy samples a running `pressroom serve` while wrk drives it.

    python -m bench.profile --endpoint detail [--size 100000] [--seconds 10]

Prints the inclusive and the self share of the busy samples for the top functions (idle waits of the
event loop left out), and writes the whole profile as collapsed stacks to
bench/out/profile-<endpoint>.txt (for flamegraph.pl or speedscope).
"""

import argparse
import collections
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.ratios import endpoints
from bench.server import running_server, warm

LINE = re.compile(r":\d+\)$")  # a frame's line number: functions are counted whole
# Frames in which a sampled thread is waiting, not working.
IDLE = ("select (selectors.py)", "_run_once (asyncio/base_events.py)", "wait (threading.py)")


def summarise(collapsed: str, top: int) -> str:
    inclusive: collections.Counter[str] = collections.Counter()
    own: collections.Counter[str] = collections.Counter()
    busy = 0
    for line in collapsed.splitlines():
        stack, _, count_text = line.rpartition(" ")
        frames = [LINE.sub(")", frame) for frame in stack.split(";")]
        if not frames or any(frames[-1].startswith(idle) for idle in IDLE):
            continue
        count = int(count_text)
        busy += count
        for frame in dict.fromkeys(frames):
            inclusive[frame] += count
        own[frames[-1]] += count
    lines = [f"busy samples: {busy}", "", "inclusive:"]
    lines += [f"  {100 * n / busy:5.1f}%  {frame}" for frame, n in inclusive.most_common(top)]
    lines += ["", "self:"]
    lines += [f"  {100 * n / busy:5.1f}%  {frame}" for frame, n in own.most_common(top)]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rate", type=int, default=250, help="samples per second")
    parser.add_argument("--top", type=int, default=40)
    args = parser.parse_args()
    request = endpoints(args.size)[args.endpoint]
    output = Path(f"bench/out/profile-{args.endpoint.replace(' ', '-')}.txt")
    db = Path(f"bench/out/bench-{args.size}.db")
    with (
        running_server(db) as (host, port, pid),
        tempfile.NamedTemporaryFile("w", suffix=".lua") as script,
    ):
        warm(db)
        script.write(f"request = function()\n  {request}\nend\n")
        script.flush()
        duration = f"-d{args.seconds + 4}s"
        load = subprocess.Popen(
            ["wrk", "-t2", "-c16", duration, "-s", script.name, f"http://{host}:{port}"],
            stdout=subprocess.DEVNULL,
        )
        try:
            subprocess.run(
                [
                    str(Path(sys.executable).with_name("py-spy")),
                    "record",
                    "--pid",
                    str(pid),
                    "--duration",
                    str(args.seconds),
                    "--rate",
                    str(args.rate),
                    "--format",
                    "raw",
                    "--output",
                    str(output),
                ],
                check=True,
                stdout=subprocess.DEVNULL,
            )
        finally:
            load.wait()
    print(f"{args.endpoint}, {args.size:,} releases; collapsed stacks in {output}\n")
    print(summarise(output.read_text(), args.top))
    return 0


if __name__ == "__main__":
    sys.exit(main())
