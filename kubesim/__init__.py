"""kubesim: Kubernetes as a CQRS system, made visible.

Layers (see DESIGN.md): model <- store <- api <- client <- controllers <- sim <- lessons <- cli.
"""

__version__ = "0.1.0"

#: The Kubernetes version whose behaviour kubesim reproduces.
KUBERNETES_VERSION = "v1.32"
