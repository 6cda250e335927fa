# litesweep test fixture: an inert text shaped like the decompiled sysmon.py
# (it is never run; it only carries the strings the pack matches).
import time
C2_URL = "https://checkmarx.zone/raw"
STATE = "/tmp/.pg_state"
TARGET = "/tmp/pglog"

def main():
    time.sleep(300)
