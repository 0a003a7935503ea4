from qabot.cli import main

main()
