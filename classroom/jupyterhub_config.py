"""JupyterHub settings for teaching this course to a class.

Load it from your hub's own configuration, which chooses how learners log in and where
their servers run (a university's login, KubeSpawner, SystemdSpawner, ...):

    load_subconfig("/path/to/classroom/jupyterhub_config.py")

or copy it into a `jupyterhub_config.d/` folder (The Littlest JupyterHub reads
/opt/tljh/config/jupyterhub_config.d/*.py). README.md next to this file maps every setting
to Zero to JupyterHub's config.yaml and to The Littlest JupyterHub's `tljh-config`.
tests/test_classroom.py runs a real hub with this file (adding a local spawner and a
test-only login) and measures the figures that the limits below come from.

Set COURSE_REPO (your copy of the course, default the published one) and COURSE_BRANCH
(default main) in the hub's environment, or edit the two lines below.
"""

import os
import sys
import urllib.parse

c = get_config()  # noqa: F821 (JupyterHub defines get_config in its configuration files)

COURSE_REPO = os.environ.get("COURSE_REPO", "https://github.com/dicom-course/dicom-course")
COURSE_BRANCH = os.environ.get("COURSE_BRANCH", "main")
LESSON_00 = "notebooks/00_setup.ipynb"


def pull_path(repo: str, branch: str) -> str:
    """nbgitpuller's path on a learner's server: pull the course, open lesson 00 in
    JupyterLab. The same as course.py's pull_path (tests/test_classroom.py checks it):
    nbgitpuller clones into a folder named after the URL's last part."""
    folder = repo.rstrip("/").split("/")[-1]
    query = urllib.parse.urlencode(
        {"repo": repo, "urlpath": f"lab/tree/{folder}/{LESSON_00}", "branch": branch})
    return f"git-pull?{query}"


# --- Where a learner lands -------------------------------------------------------------
# A learner who opens the hub's front page instead of the instructor's link gets the same:
# the course pulled (or updated, keeping their edits) and lesson 00 open in JupyterLab.
c.Spawner.default_url = "/" + pull_path(COURSE_REPO, COURSE_BRANCH)

# --- The single-user environment -------------------------------------------------------
# The single-user servers run in an environment installed from the course's lock,
# binder/requirements.txt (it pins nbgitpuller), plus jupyterhub at the hub's own version.
# Kernels give freed memory back to the system (as `course.py lab` and binder/start do):
# lesson 05 then keeps about 185 MB instead of about 205.
c.Spawner.environment = {"MALLOC_TRIM_THRESHOLD_": "1048576"}
# A kernel left running in a closed browser tab is shut down after an hour; kernels a
# learner still has open are never culled (they may be listening to the instructor).
# Kernels whose port was taken start again on new ports. Servers that share one machine
# (The Littlest JupyterHub, local spawners; not Zero to JupyterHub's one pod per learner)
# pick their kernels' ports independently, so when a class starts kernels at once, two can
# pick the same free port and the second kernel stops with "Address already in use". The
# server restarts it, but with jupyter_client's port cache (on by default) every restart
# reuses the taken port, and after five the learner's kernel is gone: this happened to
# one learner in ten in the classroom test. Without the cache, restarts take new ports.
c.Spawner.args = [
    "--MappingKernelManager.cull_idle_timeout=3600",
    "--MappingKernelManager.cull_interval=300",
    "--MappingKernelManager.cull_connected=False",
    "--KernelManager.cache_ports=False",
]

# --- Per-learner limits ----------------------------------------------------------------
# Measured by tests/test_classroom.py (README.md next to this file, "Sizing a machine"): a
# learner's Jupyter server holds about 145 MB and lesson 05's kernel peaks at about 235 MB
# (it keeps about 185 MB when it ends), so one lesson open needs about 380 MB. The
# guarantee covers that with room; the limit is Binder's 1 GB, which the lessons are
# budgeted for: the server, one lesson at its peak and three finished lessons left open.
# Spawners that enforce them: KubeSpawner (Zero to JupyterHub), SystemdSpawner (The
# Littlest JupyterHub), DockerSpawner; the local spawners only pass them on as
# MEM_LIMIT/CPU_LIMIT.
c.Spawner.mem_guarantee = "512M"
c.Spawner.mem_limit = "1G"
# Starting a server and running all of lesson 05 cost about 14 CPU-seconds; a kernel uses
# one core. A tenth of a core is reserved for each learner: up to 10 learners per core.
c.Spawner.cpu_guarantee = 0.1
c.Spawner.cpu_limit = 1

# Spawning many servers at once (everyone clicks the link at 9:00) is slow on a small
# machine: wait longer before giving up on a server, and start them in batches.
c.Spawner.start_timeout = 300
c.Spawner.http_timeout = 120
c.JupyterHub.concurrent_spawn_limit = 50

# --- Idle culler -----------------------------------------------------------------------
# Servers idle for an hour are stopped (their files stay; the learner's next visit starts
# a fresh server and the link updates the course, keeping their edits). Needs
# jupyterhub-idle-culler in the hub's environment.
c.JupyterHub.services = [{
    "name": "idle-culler",
    "command": [sys.executable, "-m", "jupyterhub_idle_culler",
                "--timeout=3600", "--cull-every=300"],
}]
c.JupyterHub.load_roles = [{
    "name": "idle-culler",
    "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"],
    "services": ["idle-culler"],
}]
