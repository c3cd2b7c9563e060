"""The local runtime (`./dev up`): moto in server mode, the resources provisioned from the
manifest, the Chalice app over HTTP and the event runner that plays Lambda's event sources.

Nothing is imported here: the stack must set the environment before zhtj or the app loads.
"""
