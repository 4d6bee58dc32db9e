# Schemathesis hooks for tests/service.rs (loaded through SCHEMATHESIS_HOOKS): POST
# /api/v1/edisi/{id}/impor takes an application/zip body, which Schemathesis has no serializer
# for; generated bodies are sent as their raw bytes (so the server sees, and must refuse, zips
# that are not valid).
import schemathesis


@schemathesis.serializer("application/zip")
def zip_bytes(ctx, value):
    if isinstance(value, bytes):
        return value
    return str(value).encode("utf-8")
