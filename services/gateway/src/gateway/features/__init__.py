"""The gateway's features, one package each; `gateway.app` lists their routes."""
