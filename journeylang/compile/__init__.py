"""Floor 3: journeys compiled to graphs. `graph` builds one `networkx.DiGraph` per journey
(with reachability and wait bounds); `export` writes them as node-link JSON, DOT and
Mermaid. The runtime lowers these graphs; exporters (and the HTML report) draw them.
"""
