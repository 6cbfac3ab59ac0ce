"""`kubesim serve`: the Kubernetes REST API in front of kubesim's API server and store.

A real kubectl, the official Python client or a kopf operator talk HTTP to this front; it turns
each request into a call of `kubesim.api` (the one command bus: the same validation, apply and
deletion as the CLI) and serves each watch from the store's history (the one event bus), fanned
out to every watching client as kube-apiserver's watch cache does. Clients that watch are
consumers: their LISTs, watches and deliveries go to the journal under their name, so the live
view, `lag` and replay show them beside the built-in controllers.

Modules: `app` (the aiohttp application, errors, discovery endpoints), `front` (runs it on a
thread), `routes` (URL to resource), `discovery` and `openapi` (what kubectl asks before it acts),
`resources` (routing of resource requests), `bodies` (request and response bodies), `protobuf`
with `protoschema` (kubectl's protobuf bodies; `protogen` regenerates the table from kubectl),
`lists`, `writes`, `patch` (the PATCH content types), `serverapply`, `fieldvalidation`,
`selectors` (field selectors), `tables` (server-side printing), `watchcache` (the fan-out),
`watchstream` (one watch over HTTP), `clients` (who is asking), `kubeconfig`. Called by
kubesim/cli/serve.py.
"""
