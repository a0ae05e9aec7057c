"""Letters: campaign.yaml, the template sandbox, rendering a Letter, its PDF, drafts and export.

`render.load` compiles the appeal (campaign.yaml and every body), `render.render_letter` fills
one in for one office and supporter, showing it only what its rule allows (`disclosure`);
`pdf`, `drafts` and `export` turn Letters into files.
"""

from campaign.letters.render import Appeal, load, render_call_script, render_letter
from campaign.letters.senders import make_sender

__all__ = ["Appeal", "load", "make_sender", "render_call_script", "render_letter"]
