var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddIntakeServices();

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapIntakeEndpoints();
app.Run();
