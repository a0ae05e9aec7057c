"""Imported by the render pool's forkserver, and by nothing else: it warms that process up.

multiprocessing lets a forkserver do only one thing before it forks its first worker: import
the modules it is told to (set_forkserver_preload). Importing this one runs
render_pool.warm_up there, so that every worker forked afterwards is born warm.
"""

from campaign.letters import render_pool

render_pool.warm_up()
