"""GraphQL pieces shared by the plugins' schemas."""
