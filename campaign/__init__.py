"""campaign: advocacy letter campaigns, as postal letters, e-mail drafts and call scripts."""

__version__ = "0.1.0"
