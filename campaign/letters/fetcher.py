"""The only URL fetcher WeasyPrint gets: `data:` URLs, nothing else.

A module of its own so that importing campaign.letters.pdf does not import WeasyPrint (a third
of a second, tens of MB): only the processes that make PDFs load it.
"""

from __future__ import annotations

from weasyprint.urls import URLFetcher, URLFetcherResponse


class FetchRefused(ValueError):
    """WeasyPrint asked for a URL that is not a data: URL."""


class DataOnlyFetcher(URLFetcher):
    """A URL fetcher for `data:` URLs only: no file, no network (fonts come from fontconfig)."""

    def __init__(self) -> None:
        super().__init__(allowed_protocols=("data",), allow_redirects=False)

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        """The resource of a data: URL, or FetchRefused (WeasyPrint then logs and skips it)."""
        scheme = url.partition(":")[0].lower()
        if scheme != "data":
            raise FetchRefused(f"refused {scheme}: URL; a letter may embed only data: URLs")
        return super().fetch(url, headers)
