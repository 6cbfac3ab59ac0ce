"""Ship the top-level manifests/ and lessons/ folders inside the package as kubesim/_data/.

The repository keeps them at the top level (where learners and the README find them); a wheel
copies them into the package so that `pip install .` works from any directory. An editable install
finds them at the top level directly (kubesim/data.py looks in both places).
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).parent


class BuildWithData(build_py):
    def run(self) -> None:
        super().run()
        if self.editable_mode:
            return
        target = Path(self.build_lib) / "kubesim" / "_data"
        for name in ("manifests", "lessons"):
            src = ROOT / name
            if src.is_dir():
                shutil.copytree(src, target / name, dirs_exist_ok=True)


setup(cmdclass={"build_py": BuildWithData})
