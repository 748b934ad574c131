import EngelCLI

await EngelMain.run()
