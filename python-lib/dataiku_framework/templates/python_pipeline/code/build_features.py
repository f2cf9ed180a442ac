import dataiku

df = dataiku.Dataset("events_clean").get_dataframe()
features = df.groupby("user_id").size().rename("events").reset_index()
dataiku.Dataset("user_features").write_with_schema(features)
