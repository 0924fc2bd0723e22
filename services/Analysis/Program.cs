var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddAnalysisServices();

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapAnalysisEndpoints();
app.Run();
