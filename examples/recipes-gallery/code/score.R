library(dataiku)
df <- dkuReadDataset("events")
dkuWriteDataset(df, "events_r")
