import dataiku

df = dataiku.Dataset("events_upload").get_dataframe()
df = df.dropna(subset=["user_id", "event"])
dataiku.Dataset("events_clean").write_with_schema(df)
