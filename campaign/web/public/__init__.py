"""The supporters' pages: the campaign, the form, the preview, the downloads, "I sent it", and
what came of the letters."""

from campaign.web.public import outcomes  # noqa: F401  (its views register on bp)
from campaign.web.public.views import bp

__all__ = ["bp"]
