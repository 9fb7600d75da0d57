import pulumi
import pulumiverse_vercel as vercel

app = vercel.Project("legacy", name="legacy-cra", framework="create-react-app")
vercel.ProjectEnvironmentVariable("api-token", project_id=app.id, key="REACT_APP_API_TOKEN",
                                  value="tok_live_9f8e7d6c5b4a39281706", targets=["preview"], sensitive=True)
