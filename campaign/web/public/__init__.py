"""The supporters' pages: the campaign, the form, the preview, the downloads and "I sent it"."""

from campaign.web.public.views import bp

__all__ = ["bp"]
