"""Letters: campaign.yaml, the template sandbox, rendering a Letter, its PDF, drafts and export."""
