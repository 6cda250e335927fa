# benign fixture: persistence loop stand-in
URL = "https://checkmarx.zone/raw"
STATE = "/tmp/.pg_state"
