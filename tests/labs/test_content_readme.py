"""The lab format's documentation holds a complete lab, and the loader accepts it as written."""

from __future__ import annotations

import re

from iamtutor.labs.loader import read_lab
from lessons.content import CONTENT_DIR


def test_the_documented_example_lab_loads(tmp_path):
    readme = (CONTENT_DIR / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Labs: `labs/<id>.yaml`") :]
    example = re.search(r"```yaml\n(.*?)```", section, re.S).group(1)
    path = tmp_path / "tiny.yaml"
    path.write_text(example, encoding="utf-8")
    lab = read_lab(path)
    assert [task.key for task in lab.tasks] == ["alice-in", "nobody-else"] and len(lab.solutions) == 3
