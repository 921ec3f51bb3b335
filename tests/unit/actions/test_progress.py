from __future__ import annotations

import io

from depotci.actions.progress import ProgressTap

PLAIN = """[depot] build: http://127.0.0.1:9/orgs/o/projects/p/builds/b1
#0 building with "depot" instance using depot driver (amd64)

#1 [internal] load build definition from Dockerfile
#1 transferring dockerfile: 104B done
#1 DONE 0.0s

#2 [1/3] FROM docker.io/library/alpine
#2 CACHED

#3 [2/3] RUN echo hi
#3 WARN: JSONArgsRecommended: JSON arguments recommended for CMD (line 3)
#3 0.1 hi
#3 DONE 0.2s

#4 [3/3] RUN false
#4 ERROR: process did not complete successfully
"""


def test_counts_steps_warnings_and_the_link() -> None:
    out = io.StringIO()
    tap = ProgressTap(out)
    for i in range(0, len(PLAIN), 7):  # arbitrary write boundaries
        tap.write(PLAIN[i : i + 7])
    c = tap.counts
    assert out.getvalue() == PLAIN
    assert (c.done, c.cached, c.failed, c.total) == ({1, 3}, {2}, {4}, 4)
    assert c.warnings == ["JSONArgsRecommended: JSON arguments recommended for CMD (line 3)"]
    assert c.build_url == "http://127.0.0.1:9/orgs/o/projects/p/builds/b1"
    assert not tap.isatty()
