var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddDispatchServices();

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapDispatchEndpoints();
app.Run();
