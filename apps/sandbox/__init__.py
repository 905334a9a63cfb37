"""The local sandboxes of outside services (payment gateway, OSS, WhatsApp/SMS/Telegram), in the
public schema, one row per tenant's sandbox record keyed by `schema_name`; see README.md."""
