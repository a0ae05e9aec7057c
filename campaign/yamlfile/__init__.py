"""Round-trip YAML: read a file with line numbers and check its values; write it keeping comments"""

from campaign.yamlfile.read import Checker, dump_document, load_document, node_line

__all__ = ["Checker", "dump_document", "load_document", "node_line"]
