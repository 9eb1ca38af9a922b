from quotaplan.cli import main

main()
