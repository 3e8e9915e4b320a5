"""From a reviewed note to ConnectWise: preparing, queueing and draining push jobs."""
