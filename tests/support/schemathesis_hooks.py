# Schemathesis hooks for tests/service.rs (loaded through SCHEMATHESIS_HOOKS): POST
# /api/v1/edisi/{id}/impor takes an application/zip body and POST /api/v1/edisi/{id}/xlsx a
# workbook (.xlsx media type), which Schemathesis has no serializer for; generated bodies are sent
# as their raw bytes (so the server sees, and must refuse, zips and workbooks that are not valid).
import schemathesis


def raw_bytes(ctx, value):
    if isinstance(value, bytes):
        return value
    return str(value).encode("utf-8")


schemathesis.serializer("application/zip")(raw_bytes)
schemathesis.serializer("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")(raw_bytes)
